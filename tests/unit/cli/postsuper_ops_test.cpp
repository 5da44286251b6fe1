// postsuper's operations (cli/postsuper_ops) on a scratch queue directory: ID lists from
// stdin, Postfix's messages and summary wording, which queues each operation touches,
// invalid IDs, forced expiry records and the structure check.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/postsuper_ops.hpp"
#include "queue/queue_file.hpp"
#include "../temp_dir.hpp"

namespace tern::cli {
namespace {

namespace fs = std::filesystem;

TEST(IdLines, ExactLines) {
  EXPECT_EQ(read_id_lines("A\nB\n"), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(read_id_lines("A\n\nB"), (std::vector<std::string>{"A", "", "B"}));
  EXPECT_EQ(read_id_lines(""), std::vector<std::string>{});
  EXPECT_EQ(read_id_lines("A\r\n"), std::vector<std::string>{"A\r"});  // not an ID: warned later
}

TEST(CountLine, SingularAndPlural) {
  EXPECT_EQ(count_line("Deleted", 1), "Deleted: 1 message");
  EXPECT_EQ(count_line("Deleted", 3), "Deleted: 3 messages");
}

TEST(Queues, NamesAndDefaults) {
  EXPECT_TRUE(is_super_queue("deferred"));
  EXPECT_FALSE(is_super_queue("defer"));
  EXPECT_FALSE(is_super_queue("../etc"));
  EXPECT_EQ(default_queues(SuperOp::hold), (std::vector<std::string>{"incoming", "active", "deferred"}));
  EXPECT_EQ(default_queues(SuperOp::release), std::vector<std::string>{"hold"});
}

struct PostsuperQueue : ::testing::Test {
  testing::TempDir d;
  std::vector<std::string> info, warn;
  Superintendent s{d.path(), [this](const std::string& t) { info.push_back(t); },
                   [this](const std::string& t) { warn.push_back(t); }};
  void SetUp() override {
    for (const char* q : {"maildrop", "incoming", "active", "deferred", "hold", "corrupt"})
      fs::create_directory(d.file(q));
  }
  void put(const std::string& q, const std::string& id) {
    Message m;
    m.envelope.queue_id = id;
    m.envelope.arrival = 1700000000;
    Recipient r;
    r.address = "a@x.test";
    m.envelope.recipients = {r};
    m.content = "x\n";
    d.write(q + "/" + id, queue::encode_queue_file(m));
  }
  bool in(const std::string& q, const std::string& id) { return fs::exists(d.file(q + "/" + id)); }
};

constexpr const char* kA = "5BM5dg4x0mz3nCf4";
constexpr const char* kB = "5BM5dg4x0mz3nCf5";

TEST_F(PostsuperQueue, DeleteOneSaysRemoved) {
  put("deferred", kA);
  EXPECT_TRUE(s.one(SuperOp::remove, kA, default_queues(SuperOp::remove)));
  EXPECT_FALSE(in("deferred", kA));
  EXPECT_EQ(info, std::vector<std::string>{std::string(kA) + ": removed"});
  EXPECT_EQ(s.report(), std::vector<std::string>{"Deleted: 1 message"});
  EXPECT_TRUE(s.changed());
}

TEST_F(PostsuperQueue, MissingAndInvalidIds) {
  EXPECT_FALSE(s.one(SuperOp::remove, kA, default_queues(SuperOp::remove)));
  EXPECT_TRUE(info.empty());
  EXPECT_TRUE(warn.empty());
  EXPECT_FALSE(s.one(SuperOp::remove, "../../etc/passwd", default_queues(SuperOp::remove)));
  EXPECT_FALSE(s.one(SuperOp::remove, "", default_queues(SuperOp::remove)));
  EXPECT_EQ(warn, (std::vector<std::string>{"invalid mail queue id: ../../etc/passwd",
                                            "invalid mail queue id: "}));
  EXPECT_TRUE(s.report().empty());
  EXPECT_FALSE(s.changed());
}

TEST_F(PostsuperQueue, DeleteAllOfOneQueueIsQuiet) {
  put("deferred", kA);
  put("deferred", kB);
  put("hold", "5BM5dg4x0mz3nCf6");
  d.write("deferred/.tmp.1.1", "temp");
  s.all(SuperOp::remove, {"deferred"});
  EXPECT_TRUE(info.empty());
  EXPECT_EQ(s.report(), std::vector<std::string>{"Deleted: 2 messages"});
  EXPECT_TRUE(in("hold", "5BM5dg4x0mz3nCf6"));
  EXPECT_TRUE(fs::exists(d.file("deferred/.tmp.1.1")));
}

TEST_F(PostsuperQueue, HoldReleaseRequeue) {
  put("deferred", kA);
  put("maildrop", kB);
  EXPECT_TRUE(s.one(SuperOp::hold, kA, default_queues(SuperOp::hold)));
  EXPECT_FALSE(s.one(SuperOp::hold, kB, {"maildrop"}));  // maildrop mail is never held
  EXPECT_TRUE(in("hold", kA));
  EXPECT_FALSE(s.one(SuperOp::hold, kA, default_queues(SuperOp::hold)));  // already held
  EXPECT_TRUE(s.one(SuperOp::release, kA, default_queues(SuperOp::release)));
  EXPECT_TRUE(in("deferred", kA));
  EXPECT_TRUE(s.one(SuperOp::requeue, kA, default_queues(SuperOp::requeue)));
  EXPECT_TRUE(in("incoming", kA));
  EXPECT_EQ(info, (std::vector<std::string>{std::string(kA) + ": placed on hold",
                                            std::string(kA) + ": released from hold",
                                            std::string(kA) + ": requeued"}));
  EXPECT_EQ(s.report(), (std::vector<std::string>{"Requeued: 1 message", "Placed on hold: 1 message",
                                                  "Released from hold: 1 message"}));
}

TEST_F(PostsuperQueue, ForcedExpiryAppendsARecordAndFReleasesHeldMail) {
  put("hold", kA);
  put("deferred", kB);
  EXPECT_TRUE(s.one(SuperOp::expire, kB, default_queues(SuperOp::expire)));
  EXPECT_TRUE(s.one(SuperOp::expire_release, kA, default_queues(SuperOp::expire_release)));
  EXPECT_TRUE(in("deferred", kA));
  std::ifstream f(d.file(std::string("deferred/") + kB));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto pf = queue::parse_queue_file(text);
  EXPECT_EQ(pf.status, queue::ParseStatus::ok) << pf.error;
  EXPECT_TRUE(pf.message.envelope.forced_expire);
  EXPECT_EQ(s.report(), (std::vector<std::string>{"Force-expired: 2 messages", "Released from hold: 1 message"}));
}

TEST_F(PostsuperQueue, StructureCheckMovesMalformedFilesToCorrupt) {
  put("active", kA);
  d.write(std::string("deferred/") + kB, "TERN-QUEUE 1\nbogus\nsealed\n");
  d.write("deferred/not-an-id", "x");
  s.structure_check({"active", "deferred"}, true);
  EXPECT_TRUE(in("active", kA));
  EXPECT_TRUE(in("corrupt", kB));
  ASSERT_EQ(warn.size(), 2u);
  EXPECT_NE(warn[0].find("moved to corrupt"), std::string::npos);
  EXPECT_EQ(warn[1], "bogus file name: " + d.file("deferred/not-an-id"));
}

}  // namespace
}  // namespace tern::cli
