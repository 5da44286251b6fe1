// DirectorySyncer: callers share fsyncs, yet each returns only after an fsync that began
// after it asked (so the entries it made before asking are covered); a round's leader
// gathers the writers of its directory that are still busy, for a bounded time.
#include "base/dir_sync.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "../temp_dir.hpp"

namespace tern {
namespace {

// An fsync stand-in that counts calls and can be held until released.
struct FakeSync {
  std::mutex mu;
  std::condition_variable cv;
  int started = 0, finished = 0;
  bool hold = false;
  int err = 0;
  std::vector<std::string> dirs;

  DirectorySyncer::SyncFn fn() {
    return [this](const std::string& dir) {
      std::unique_lock lock(mu);
      ++started;
      dirs.push_back(dir);
      cv.notify_all();
      cv.wait(lock, [&] { return !hold; });
      ++finished;
      return err;
    };
  }
  void wait_started(int n) {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return started >= n; }));
  }
  void release() {
    std::lock_guard lock(mu);
    hold = false;
    cv.notify_all();
  }
};

TEST(DirectorySyncer, OneCallerOneFsync) {
  FakeSync f;
  DirectorySyncer s(f.fn());
  EXPECT_TRUE(s.begin("/m/new").sync());
  EXPECT_TRUE(s.begin("/m/new").sync());
  EXPECT_EQ(f.started, 2);  // nothing in flight: each call issues its own
  EXPECT_EQ(f.dirs, (std::vector<std::string>{"/m/new", "/m/new"}));
}

TEST(DirectorySyncer, ErrorNamesTheDirectory) {
  FakeSync f;
  f.err = EIO;
  DirectorySyncer s(f.fn());
  auto st = s.begin("/m/new").sync();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("/m/new: fsync: "), std::string::npos);
}

TEST(DirectorySyncer, LateCallersWaitForAnFsyncThatBeganAfterThem) {
  FakeSync f;
  f.hold = true;
  DirectorySyncer s(f.fn());
  std::thread first([&] { EXPECT_TRUE(s.begin("/m/new").sync()); });
  f.wait_started(1);
  // Four deliveries renamed into new/ while the first fsync runs: it may predate their
  // renames, so none of them may be answered by it; they share the next one.
  std::atomic<int> returned{0};
  std::vector<std::thread> late;
  std::atomic<int> finished_seen_min{100};
  for (int i = 0; i < 4; ++i)
    late.emplace_back([&] {
      EXPECT_TRUE(s.begin("/m/new").sync());
      std::lock_guard lock(f.mu);
      finished_seen_min = std::min(finished_seen_min.load(), f.finished);
      ++returned;
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(returned, 0);
  EXPECT_EQ(f.started, 1);
  f.release();
  first.join();
  for (auto& t : late) t.join();
  EXPECT_EQ(returned, 4);
  EXPECT_EQ(f.started, 2);           // the four shared one fsync
  EXPECT_EQ(finished_seen_min, 2);   // and each returned only once that second one ended
}

TEST(DirectorySyncer, DirectoriesDoNotShare) {
  FakeSync f;
  f.hold = true;
  DirectorySyncer s(f.fn());
  std::thread a([&] { EXPECT_TRUE(s.begin("/a/new").sync()); });
  f.wait_started(1);
  std::thread b([&] { EXPECT_TRUE(s.begin("/b/new").sync()); });
  f.wait_started(2);  // /b's fsync does not wait for /a's
  f.release();
  a.join();
  b.join();
  EXPECT_EQ(f.started, 2);
}

TEST(DirectorySyncer, LeaderGathersABusyWriter) {
  FakeSync f;
  DirectorySyncer s(f.fn(), std::chrono::seconds(10));
  auto a = s.begin("/m/new");
  auto b = s.begin("/m/new");  // a second delivery into the same Maildir, still writing
  std::atomic<bool> a_returned{false};
  std::thread ta([&] {
    EXPECT_TRUE(a.sync());
    a_returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(f.started, 0);  // a waits for b rather than syncing alone
  EXPECT_FALSE(a_returned);
  EXPECT_TRUE(b.sync());    // b's entry is made: one fsync for both
  ta.join();
  EXPECT_EQ(f.started, 1);
}

TEST(DirectorySyncer, AWriterThatGivesUpIsNotWaitedFor) {
  FakeSync f;
  DirectorySyncer s(f.fn(), std::chrono::seconds(10));
  auto a = s.begin("/m/new");
  std::thread ta;
  {
    auto b = s.begin("/m/new");
    ta = std::thread([&] { EXPECT_TRUE(a.sync()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(f.started, 0);
  }  // b failed before its rename: no sync of its own, and a stops waiting
  ta.join();
  EXPECT_EQ(f.started, 1);
}

TEST(DirectorySyncer, GatheringIsBounded) {
  FakeSync f;
  DirectorySyncer s(f.fn(), std::chrono::milliseconds(30));
  auto a = s.begin("/m/new");
  auto slow = s.begin("/m/new");  // e.g. a large message still being written
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(a.sync());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(30));
  EXPECT_EQ(f.started, 1);
  EXPECT_TRUE(slow.sync());  // its own round
  EXPECT_EQ(f.started, 2);
}

TEST(DirectorySyncer, RealDirectory) {
  testing::TempDir dir;
  DirectorySyncer s;
  EXPECT_TRUE(s.begin(dir.path()).sync());
  auto st = s.begin(dir.path() + "/missing").sync();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("missing: fsync: "), std::string::npos);
}

}  // namespace
}  // namespace tern
