// postqueue -p / -j formats (queue/listing): Postfix's long-ID mailq layout, JSON lines in
// Postfix's field order, JSON quoting, and what malformed queue files do to the listing.
#include <gtest/gtest.h>

#include <ctime>

#include "queue/listing.hpp"
#include "queue/queue_file.hpp"
#include "../temp_dir.hpp"

namespace tern::queue {
namespace {

std::string asctime19(double t) {
  std::time_t tt = std::time_t(t);
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S", &tm);
  return buf;
}

ListedMessage deferred_msg() {
  ListedMessage m;
  m.id = "5BM5dg4x0mz3nCf4";  // 16 characters
  m.queue_name = "deferred";
  m.size = 2048;
  m.arrival = 1700000000;
  m.sender = "sender@example.org";
  m.recipients = {{"a@remote.test", "connection refused"}, {"b@remote.test", "connection refused"},
                  {"c@remote.test", ""}};
  return m;
}

TEST(Mailq, EmptyQueue) { EXPECT_EQ(format_mailq({}), "Mail queue is empty\n"); }

TEST(Mailq, LongIdLayoutReasonsAndTotals) {
  std::string when = asctime19(1700000000);
  std::string want =
      "----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------\n"
      "5BM5dg4x0mz3nCf4      2048 " + when + " sender@example.org\n" +
      std::string(76 - 18, ' ') + "(connection refused)\n" +
      std::string(47, ' ') + "a@remote.test\n" +
      std::string(47, ' ') + "b@remote.test\n" +
      std::string(76 - 18, ' ') + "(reason unavailable)\n" +
      std::string(47, ' ') + "c@remote.test\n"
      "\n-- 2 Kbytes in 1 Request.\n";
  EXPECT_EQ(format_mailq({deferred_msg()}), want);
}

TEST(Mailq, MarkersPluralAndNullSender) {
  auto a = deferred_msg();
  a.queue_name = "active";
  a.recipients = {{"x@y.test", ""}};
  auto h = a;
  h.id = "5BM5dg4x0mz3nCf5";
  h.queue_name = "hold";
  h.sender = "";
  h.forced_expire = true;
  std::string out = format_mailq({a, h});
  EXPECT_NE(out.find("\n5BM5dg4x0mz3nCf4*     2048 "), std::string::npos) << out;
  EXPECT_NE(out.find("\n5BM5dg4x0mz3nCf5!#     2048 "), std::string::npos) << out;
  EXPECT_NE(out.find(" MAILER-DAEMON\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\n\n5BM5dg4x0mz3nCf5"), std::string::npos) << "blank line between entries";
  EXPECT_TRUE(out.ends_with("\n-- 4 Kbytes in 2 Requests.\n")) << out;
  EXPECT_EQ(out.find("reason unavailable"), std::string::npos) << "no reason line without reasons";
}

TEST(Mailq, SeventeenCharacterIdKeepsAColumnBeforeTheSize) {
  auto m = deferred_msg();
  m.id = "5BM5dg4x0mz3nCf47";
  EXPECT_NE(format_mailq({m}).find("\n5BM5dg4x0mz3nCf47      2048 "), std::string::npos);
}

TEST(Mailq, LongReasonStartsAtColumnZeroAndControlsArePrintable) {
  auto m = deferred_msg();
  std::string reason(80, 'r');
  m.recipients = {{"a\x01@x.test", reason}};
  std::string out = format_mailq({m});
  EXPECT_NE(out.find("\n(" + reason + ")\n"), std::string::npos);
  EXPECT_NE(out.find("a?@x.test"), std::string::npos);
}

TEST(Json, FieldsInPostfixOrder) {
  auto m = deferred_msg();
  EXPECT_EQ(format_json(m),
            "{\"queue_name\": \"deferred\", \"queue_id\": \"5BM5dg4x0mz3nCf4\", "
            "\"arrival_time\": 1700000000, \"message_size\": 2048, \"forced_expire\": false, "
            "\"sender\": \"sender@example.org\", \"recipients\": ["
            "{\"address\": \"a@remote.test\", \"delay_reason\": \"connection refused\"}, "
            "{\"address\": \"b@remote.test\", \"delay_reason\": \"connection refused\"}, "
            "{\"address\": \"c@remote.test\"}]}\n");
}

TEST(Json, NoRecipientsNullSenderForcedExpire) {
  ListedMessage m;
  m.id = "X";
  m.queue_name = "hold";
  m.forced_expire = true;
  EXPECT_EQ(format_json(m),
            "{\"queue_name\": \"hold\", \"queue_id\": \"X\", \"arrival_time\": 0, "
            "\"message_size\": 0, \"forced_expire\": true, \"sender\": \"MAILER-DAEMON\", "
            "\"recipients\": []}\n");
}

TEST(Json, Quoting) {
  EXPECT_EQ(json_quote("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(json_quote("\b\f\n\r\t"), "\\b\\f\\n\\r\\t");
  EXPECT_EQ(json_quote(std::string("\x01\x1f\x7f", 3)), "\\u0001\\u001F\\u007F");
  EXPECT_EQ(json_quote(std::string("\0", 1)), "\\u0000");
  EXPECT_EQ(json_quote("/"), "/");
  EXPECT_EQ(json_quote("caf\xc3\xa9"), "caf\xc3\xa9");        // UTF-8 kept
  EXPECT_EQ(json_quote("bad\xff\xc3"), "bad??");              // broken UTF-8 made printable
  EXPECT_EQ(json_quote("\xc0\xaf"), "??");                    // overlong
}

Message sample(const std::string& id) {
  Message m;
  m.envelope.queue_id = id;
  m.envelope.sender = "s@example.org";
  m.envelope.arrival = 1700000000.5;
  Recipient done, later;
  done.address = "done@x.test";
  later.address = "later@x.test";
  m.envelope.recipients = {done, later};
  m.content = "Subject: x\n\nbody\n";
  return m;
}

TEST(ListQueue, ReadsQueuesInShowqOrderSkippingBrokenFiles) {
  testing::TempDir d;
  for (const char* q : {"maildrop", "incoming", "active", "deferred", "hold", "corrupt"})
    std::filesystem::create_directory(d.file(q));
  auto m = sample("5BM5dg4x0mz3nCf4");
  d.write("deferred/5BM5dg4x0mz3nCf4",
          encode_queue_file(m) + encode_outcome(0, RcptState::done, 1, "") +
              encode_outcome(1, RcptState::deferred, 2, "host down") + encode_forced_expire(3));
  auto m2 = sample("5BM5dg4x0mz3nCf3");
  d.write("maildrop/5BM5dg4x0mz3nCf3", encode_queue_file(m2));
  d.write("active/5BM5dg4x0mz3nCf2", "TERN-QUEUE 1\nid 5BM5dg4x0mz3nCf2\n");  // unsealed
  d.write("hold/5BM5dg4x0mz3nCf1", "garbage\n");                               // malformed
  d.write("corrupt/5BM5dg4x0mz3nCf0", encode_queue_file(sample("5BM5dg4x0mz3nCf0")));
  d.write("deferred/.tmp.1.2", "not an id");
  auto l = list_queue(d.path());
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].queue_name, "maildrop");
  EXPECT_EQ(l[0].recipients.size(), 2u);
  EXPECT_EQ(l[1].queue_name, "deferred");
  EXPECT_EQ(l[1].size, (long long)m.content.size());
  EXPECT_TRUE(l[1].forced_expire);
  ASSERT_EQ(l[1].recipients.size(), 1u);
  EXPECT_EQ(l[1].recipients[0].address, "later@x.test");
  EXPECT_EQ(l[1].recipients[0].reason, "host down");
  EXPECT_TRUE(list_queue(d.file("missing")).empty());
}

}  // namespace
}  // namespace tern::queue
