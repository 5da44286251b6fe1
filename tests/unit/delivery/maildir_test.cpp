// deliver_maildir on a real directory: the file lands in new/ whole, tmp/ is left empty,
// a repeated delivery (after a crash before the queue recorded it) writes no second
// copy, and deliveries running side by side into one Maildir (sharing fsyncs of new/)
// all land. deliver_maildirs writes several at once, each failure its own; MaildirBatch
// queues the writes of a thread and names the ones that failed.
#include "delivery/maildir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "../temp_dir.hpp"
#include "base/file.hpp"
#include "delivery/maildir_batch.hpp"

namespace tern::delivery {
namespace {

size_t files_in(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

TEST(DeliverMaildir, WritesPrefixAndContentIntoNew) {
  testing::TempDir dir;
  std::string md = dir.path() + "/Maildir/";
  auto path = deliver_maildir(md, "1700000000.Tqid1R0", "Delivered-To: a@example.test\n", "Subject: x\n\nbody\n");
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(path->rfind(dir.path() + "/Maildir/new/1700000000.Tqid1R0.", 0), 0u);
  EXPECT_NE(path->find(",S=46"), std::string::npos);
  EXPECT_EQ(*read_file(*path), "Delivered-To: a@example.test\nSubject: x\n\nbody\n");
  EXPECT_EQ(files_in(dir.path() + "/Maildir/tmp"), 0u);
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/Maildir/cur"));
}

TEST(DeliverMaildir, RepeatedDeliveryWritesNoSecondCopy) {
  testing::TempDir dir;
  auto first = deliver_maildir(dir.path() + "/md", "u1", "", "Subject: x\n\nbody\n");
  auto again = deliver_maildir(dir.path() + "/md", "u1", "", "Subject: x\n\nbody\n");
  ASSERT_TRUE(first);
  ASSERT_TRUE(again);
  EXPECT_EQ(*first, *again);
  EXPECT_EQ(files_in(dir.path() + "/md/new"), 1u);
}

TEST(DeliverMaildir, SideBySideDeliveriesAllLand) {
  testing::TempDir dir;
  std::vector<std::thread> ts;
  std::vector<int> ok(16, 0);
  for (int i = 0; i < 16; ++i)
    ts.emplace_back([&, i] {
      for (int k = 0; k < 5; ++k)
        ok[i] += bool(deliver_maildir(dir.path() + "/md", "u" + std::to_string(i) + "_" + std::to_string(k), "",
                                      "Subject: " + std::to_string(i) + "\n\nbody\n"));
    });
  for (auto& t : ts) t.join();
  for (int i = 0; i < 16; ++i) EXPECT_EQ(ok[i], 5);
  EXPECT_EQ(files_in(dir.path() + "/md/new"), 80u);
  EXPECT_EQ(files_in(dir.path() + "/md/tmp"), 0u);
}

TEST(DeliverMaildir, AMaildirUnderAFileIsAnError) {
  testing::TempDir dir;
  dir.write("plain", "x");
  auto r = deliver_maildir(dir.path() + "/plain/md", "u1", "", "Subject: x\n\nbody\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("plain"), std::string::npos);
}

TEST(DeliverMaildirs, EveryMessageLandsWholeAndTmpIsLeftEmpty) {
  testing::TempDir dir;
  std::vector<std::string> bodies;
  for (int i = 0; i < 10; ++i) bodies.push_back("Subject: " + std::to_string(i) + "\n\nbody " + std::string(i * 100, 'x') + "\n");
  std::vector<MaildirMessage> ms;
  for (int i = 0; i < 10; ++i)
    ms.push_back({dir.path() + (i % 2 ? "/a/" : "/b"), "u" + std::to_string(i), "Delivered-To: x\n", bodies[i]});
  auto out = deliver_maildirs(ms);
  ASSERT_EQ(out.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(out[i]) << out[i].error().message;
    EXPECT_EQ(*out[i], maildir_final_path(ms[i]));
    EXPECT_EQ(*read_file(*out[i]), "Delivered-To: x\n" + bodies[i]);
  }
  EXPECT_EQ(files_in(dir.path() + "/a/new"), 5u);
  EXPECT_EQ(files_in(dir.path() + "/b/new"), 5u);
  EXPECT_EQ(files_in(dir.path() + "/a/tmp") + files_in(dir.path() + "/b/tmp"), 0u);
}

TEST(DeliverMaildirs, OneBadMaildirFailsOnlyItsMessages) {
  testing::TempDir dir;
  dir.write("plain", "x");
  std::vector<MaildirMessage> ms{{dir.path() + "/good", "u1", "", "Subject: 1\n\n1\n"},
                                 {dir.path() + "/plain/md", "u2", "", "Subject: 2\n\n2\n"},
                                 {dir.path() + "/good", "u3", "", "Subject: 3\n\n3\n"}};
  auto out = deliver_maildirs(ms);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0]);
  ASSERT_FALSE(out[1]);
  EXPECT_NE(out[1].error().message.find("plain"), std::string::npos);
  EXPECT_TRUE(out[2]);
  EXPECT_EQ(files_in(dir.path() + "/good/new"), 2u);
}

TEST(DeliverMaildirs, TheSameNameTwiceIsWrittenOnce) {
  testing::TempDir dir;
  std::vector<MaildirMessage> ms{{dir.path() + "/md", "same", "", "Subject: x\n\nbody\n"},
                                 {dir.path() + "/md", "same", "", "Subject: x\n\nbody\n"}};
  auto out = deliver_maildirs(ms);
  ASSERT_TRUE(out[0]);
  ASSERT_TRUE(out[1]);
  EXPECT_EQ(*out[0], *out[1]);
  EXPECT_EQ(files_in(dir.path() + "/md/new"), 1u);
  EXPECT_EQ(files_in(dir.path() + "/md/tmp"), 0u);
}

TEST(DeliverMaildirs, AMessageDeliveredBeforeACrashIsNotWrittenAgain) {
  testing::TempDir dir;
  auto first = deliver_maildir(dir.path() + "/md", "u1", "", "Subject: x\n\nbody\n");
  ASSERT_TRUE(first);
  std::vector<MaildirMessage> ms{{dir.path() + "/md", "u1", "", "Subject: x\n\nbody\n"},
                                 {dir.path() + "/md", "u2", "", "Subject: y\n\nbody\n"}};
  auto out = deliver_maildirs(ms);
  ASSERT_TRUE(out[0]);
  ASSERT_TRUE(out[1]);
  EXPECT_EQ(*out[0], *first);
  EXPECT_EQ(files_in(dir.path() + "/md/new"), 2u);
}

TEST(MaildirBatch, WritesNothingUntilCommitThenEverything) {
  testing::TempDir dir;
  std::string body = "Subject: x\n\nbody\n";
  std::vector<std::string> paths;
  {
    MaildirBatch batch;
    EXPECT_EQ(MaildirBatch::current(), &batch);
    for (int i = 0; i < 5; ++i) {
      auto p = maildir_delivery({}, {dir.path() + "/md", "u" + std::to_string(i), "", body});
      ASSERT_TRUE(p);
      paths.push_back(*p);
    }
    EXPECT_FALSE(std::filesystem::exists(paths.front()));
    EXPECT_TRUE(batch.commit().empty());
    for (const auto& p : paths) EXPECT_EQ(*read_file(p), body);
  }
  EXPECT_EQ(MaildirBatch::current(), nullptr);
  // Without a batch the write happens at once.
  auto now = maildir_delivery({}, {dir.path() + "/md", "later", "", body});
  ASSERT_TRUE(now);
  EXPECT_TRUE(std::filesystem::exists(*now));
}

TEST(MaildirBatch, CommitNamesThePathsThatFailed) {
  testing::TempDir dir;
  dir.write("plain", "x");
  MaildirBatch batch;
  auto good = maildir_delivery({}, {dir.path() + "/md", "u1", "", "Subject: x\n\n1\n"});
  auto bad = maildir_delivery({}, {dir.path() + "/plain/md", "u2", "", "Subject: x\n\n2\n"});
  ASSERT_TRUE(good);
  ASSERT_TRUE(bad);  // queued: the failure is the commit's to report
  auto failed = batch.commit();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed.begin()->first, *bad);
  EXPECT_NE(failed.begin()->second.find("plain"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(*good));
}

TEST(MaildirBatch, AManyMessageBatchIsWrittenInParts) {
  testing::TempDir dir;
  std::string body = "Subject: x\n\nbody\n";
  MaildirBatch batch;
  std::vector<std::string> paths;
  for (size_t i = 0; i < MaildirBatch::kMaxMessages + 3; ++i)
    paths.push_back(*maildir_delivery({}, {dir.path() + "/md", "u" + std::to_string(i), "", body}));
  // The first kMaxMessages went out when the batch filled; the rest wait for commit().
  EXPECT_TRUE(std::filesystem::exists(paths.front()));
  EXPECT_FALSE(std::filesystem::exists(paths.back()));
  EXPECT_TRUE(batch.commit().empty());
  EXPECT_EQ(files_in(dir.path() + "/md/new"), MaildirBatch::kMaxMessages + 3);
}

TEST(MaildirBatch, AnOwnerThatMustWriteNowIsNotQueued) {
  testing::TempDir dir;
  MaildirBatch batch;
  MaildirOwner now;
  now.now = true;
  auto p = maildir_delivery(now, {dir.path() + "/md", "u1", "", "Subject: x\n\nbody\n"});
  ASSERT_TRUE(p);
  EXPECT_TRUE(std::filesystem::exists(*p));
}

}  // namespace
}  // namespace tern::delivery
