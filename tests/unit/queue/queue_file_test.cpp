// The queue file: full round trip, outcome records, truncation and corruption.
#include "queue/queue_file.hpp"

#include <gtest/gtest.h>

#include "base/queue_id.hpp"

namespace tern::queue {
namespace {

Message full_message() {
  Message m;
  Envelope& e = m.envelope;
  e.queue_id = make_queue_id(1763775245, 123456, 4242, 7);
  e.sender = "odd sender%40x@example.org";
  e.arrival = 1763775245.123456;
  e.client = ClientInfo{"mail.example.org", "2001:db8::7", 40122, "helo with space", "ESMTPSA",
                        "PLAIN", "bob user", true};
  e.envid = "env id=1";
  e.ret = "HDRS";
  e.body_type = "8BITMIME";
  e.smtputf8 = true;
  e.filter = "scan:[127.0.0.1]:10025";
  e.verify_probe = true;
  e.recipients = {Recipient{"bob@example.test", "rfc822;bob@example.test",
                            uint8_t(notify_success | notify_failure)},
                  Recipient{"carol@example.test", "", 0},
                  Recipient{"-", "-", notify_never}};
  m.content = "Subject: x\n\nbody with %25\r\n\tand\nsealed\n";
  m.content.push_back('\0');
  m.content += "after nul\n";
  return m;
}

void expect_same_envelope(const Envelope& a, const Envelope& b) {
  EXPECT_EQ(a.queue_id, b.queue_id);
  EXPECT_EQ(a.sender, b.sender);
  EXPECT_DOUBLE_EQ(a.arrival, b.arrival);
  EXPECT_EQ(a.client.name, b.client.name);
  EXPECT_EQ(a.client.addr, b.client.addr);
  EXPECT_EQ(a.client.port, b.client.port);
  EXPECT_EQ(a.client.helo, b.client.helo);
  EXPECT_EQ(a.client.protocol, b.client.protocol);
  EXPECT_EQ(a.client.sasl_method, b.client.sasl_method);
  EXPECT_EQ(a.client.sasl_username, b.client.sasl_username);
  EXPECT_EQ(a.client.local_source, b.client.local_source);
  EXPECT_EQ(a.envid, b.envid);
  EXPECT_EQ(a.ret, b.ret);
  EXPECT_EQ(a.body_type, b.body_type);
  EXPECT_EQ(a.smtputf8, b.smtputf8);
  EXPECT_EQ(a.filter, b.filter);
  EXPECT_EQ(a.verify_probe, b.verify_probe);
  ASSERT_EQ(a.recipients.size(), b.recipients.size());
  for (size_t i = 0; i < a.recipients.size(); ++i) {
    EXPECT_EQ(a.recipients[i].address, b.recipients[i].address) << i;
    EXPECT_EQ(a.recipients[i].orcpt, b.recipients[i].orcpt) << i;
    EXPECT_EQ(a.recipients[i].notify, b.recipients[i].notify) << i;
  }
}

TEST(QueueFile, RoundTripsEveryField) {
  Message m = full_message();
  std::string text = encode_queue_file(m);
  ParsedFile pf = parse_queue_file(text);
  ASSERT_EQ(pf.status, ParseStatus::ok) << pf.error;
  expect_same_envelope(pf.message.envelope, m.envelope);
  EXPECT_EQ(pf.message.content, m.content);
  for (const auto& r : pf.message.envelope.recipients) EXPECT_EQ(r.state, RcptState::pending);
}

TEST(QueueFile, IsReadableText) {
  std::string text = encode_queue_file(full_message());
  EXPECT_EQ(text.rfind("TERN-QUEUE 1\nid ", 0), 0u);
  EXPECT_NE(text.find("\nsender odd%20sender%2540x@example.org\n"), std::string::npos);
  EXPECT_NE(text.find("\nrcpt bob@example.test rfc822;bob@example.test 6\n"), std::string::npos);
  EXPECT_NE(text.find("\nrcpt carol@example.test - 0\n"), std::string::npos);
  EXPECT_NE(text.find("\nfilter scan:[127.0.0.1]:10025\n"), std::string::npos);
  EXPECT_NE(text.find("\nprobe\n"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 8), "\nsealed\n");
}

TEST(QueueFile, EmptySenderAndMinimalEnvelope) {
  Message m;
  m.envelope.queue_id = make_queue_id(1700000000, 0, 1, 1);
  m.envelope.arrival = 1700000000;
  m.envelope.recipients = {Recipient{"a@b"}};
  ParsedFile pf = parse_queue_file(encode_queue_file(m));
  ASSERT_EQ(pf.status, ParseStatus::ok) << pf.error;
  EXPECT_EQ(pf.message.envelope.sender, "");
  EXPECT_EQ(pf.message.envelope.client.name, "unknown");
  EXPECT_EQ(pf.message.envelope.client.addr, "");
  EXPECT_EQ(pf.message.envelope.ret, "");
  EXPECT_FALSE(pf.message.envelope.smtputf8);
  EXPECT_FALSE(pf.message.envelope.verify_probe);
  EXPECT_EQ(pf.message.content, "");
}

TEST(QueueFile, OutcomeRecordsSetTheLatestState) {
  std::string text = encode_queue_file(full_message());
  text += encode_outcome(0, RcptState::done, 1763775300.5, "");
  text += encode_outcome(1, RcptState::deferred, 1763775301, "connect to mx: Connection refused");
  text += encode_outcome(1, RcptState::bounced, 1763775302, "550 5.1.1 no such user");
  ParsedFile pf = parse_queue_file(text);
  ASSERT_EQ(pf.status, ParseStatus::ok) << pf.error;
  const auto& r = pf.message.envelope.recipients;
  EXPECT_EQ(r[0].state, RcptState::done);
  EXPECT_EQ(r[0].reason, "");
  EXPECT_EQ(r[1].state, RcptState::bounced);
  EXPECT_EQ(r[1].reason, "550 5.1.1 no such user");
  EXPECT_EQ(r[2].state, RcptState::pending);
}

TEST(QueueFile, OutcomeLineFormat) {
  EXPECT_EQ(encode_outcome(2, RcptState::deferred, 1.5, "a b"), "outcome 2 deferred 1.500000 a%20b\n");
}

TEST(QueueFile, PartialLastOutcomeLineIsIgnored) {
  std::string text = encode_queue_file(full_message());
  text += encode_outcome(0, RcptState::done, 1763775300, "");
  std::string partial = encode_outcome(1, RcptState::done, 1763775301, "");
  for (size_t cut = 0; cut < partial.size(); ++cut) {
    ParsedFile pf = parse_queue_file(text + partial.substr(0, cut));
    ASSERT_EQ(pf.status, ParseStatus::ok) << cut << ": " << pf.error;
    EXPECT_EQ(pf.message.envelope.recipients[0].state, RcptState::done);
    EXPECT_EQ(pf.message.envelope.recipients[1].state, RcptState::pending) << cut;
  }
}

TEST(QueueFile, TruncatedAnywhereIsUnsealed) {
  std::string text = encode_queue_file(full_message());
  for (size_t cut = 0; cut < text.size(); ++cut) {
    ParsedFile pf = parse_queue_file(std::string_view(text).substr(0, cut));
    EXPECT_EQ(pf.status, ParseStatus::unsealed) << "cut at " << cut << ": " << pf.error;
  }
}

void expect_malformed(std::string_view text) {
  ParsedFile pf = parse_queue_file(text);
  EXPECT_EQ(pf.status, ParseStatus::malformed) << ::testing::PrintToString(std::string(text));
  EXPECT_FALSE(pf.error.empty());
}

std::string valid_head() {
  return "TERN-QUEUE 1\nid " + make_queue_id(1700000000, 0, 1, 1) + "\narrival 1700000000.0\n";
}

TEST(QueueFile, GarbageIsMalformed) {
  expect_malformed("hello world\n");
  expect_malformed("TERN-QUEUE 2\n");
  expect_malformed("TERN-QUEUE 1\nbogus line\n");
  expect_malformed("TERN-QUEUE 1\n\n");
  expect_malformed(valid_head() + "sender a b\n");            // two fields
  expect_malformed(valid_head() + "sender %ZZ\n");            // bad escape
  expect_malformed(valid_head() + "sender %4\n");             // truncated escape
  expect_malformed(valid_head() + "rcpt a@b - 256\n");        // notify out of range
  expect_malformed(valid_head() + "rcpt a@b - x\n");
  expect_malformed("TERN-QUEUE 1\nid not/valid\n");
  expect_malformed(valid_head() + "arrival soon\n");
  expect_malformed(valid_head() + "client a b port c d\n");
  expect_malformed(valid_head() + "content -1\n");
}

TEST(QueueFile, ContentLengthMismatchIsMalformed) {
  expect_malformed(valid_head() + "rcpt a@b - 0\ncontent 3\nabcd\nsealed\n");
}

TEST(QueueFile, SealedWithoutRecipientsIdOrArrivalIsMalformed) {
  expect_malformed("TERN-QUEUE 1\nid " + make_queue_id(1700000000, 0, 1, 1) +
                   "\narrival 1700000000\ncontent 0\n\nsealed\n");
  expect_malformed("TERN-QUEUE 1\narrival 1700000000\nrcpt a@b - 0\ncontent 0\n\nsealed\n");
  expect_malformed("TERN-QUEUE 1\nid " + make_queue_id(1700000000, 0, 1, 1) +
                   "\nrcpt a@b - 0\ncontent 0\n\nsealed\n");
}

TEST(QueueFile, BadOutcomeRecordsAreMalformed) {
  std::string text = encode_queue_file(full_message());
  expect_malformed(text + "outcome 3 done 1.0 -\n");  // only 3 recipients
  expect_malformed(text + "outcome -1 done 1.0 -\n");
  expect_malformed(text + "outcome 0 exploded 1.0 -\n");
  expect_malformed(text + "outcome 0 done 1.0\n");
  expect_malformed(text + "outcome 0 done 1.0 %G1\n");
  expect_malformed(text + "garbage\n");
}

TEST(QueueFile, ArrivalMustBeAFinitePositiveTime) {
  for (const char* a : {"nan", "inf", "-5", "0"})
    expect_malformed("TERN-QUEUE 1\nid " + make_queue_id(1700000000, 0, 1, 1) + "\narrival " + a +
                     "\nrcpt a@b - 0\ncontent 0\n\nsealed\n");
}

TEST(EscapeField, EscapesWhitespacePercentAndControls) {
  EXPECT_EQ(escape_field(""), "-");
  EXPECT_EQ(escape_field("-"), "%2D");
  EXPECT_EQ(escape_field("a b%c"), "a%20b%25c");
  EXPECT_EQ(escape_field("\n\t\x7f"), "%0A%09%7F");
  EXPECT_EQ(escape_field("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(escape_field("--"), "--");
}

TEST(EscapeField, UnescapeRoundTripAndErrors) {
  for (const std::string& s : std::vector<std::string>{"", "-", "a b%c", "--", "%", "%%2D", std::string("x\0y", 3)})
    EXPECT_EQ(*unescape_field(escape_field(s)), s);
  EXPECT_EQ(*unescape_field("%2d"), "-");
  EXPECT_EQ(unescape_field("%2").error().message, "truncated %-escape");
  EXPECT_EQ(unescape_field("ab%").error().message, "truncated %-escape");
  EXPECT_EQ(unescape_field("%G0").error().message, "bad %-escape");
}

}  // namespace
}  // namespace tern::queue

namespace tern::queue {
namespace {

// XFORWARD SOURCE=LOCAL (or a local submission up-stream) is kept as "source local"; a
// remote client writes no such line, and another value is corruption.
TEST(QueueFile, SourceLocalRecord) {
  Message m = full_message();
  std::string text = encode_queue_file(m);
  EXPECT_NE(text.find("\nsource local\n"), std::string::npos) << text;
  m.envelope.client.local_source = false;
  text = encode_queue_file(m);
  EXPECT_EQ(text.find("\nsource "), std::string::npos) << text;
  EXPECT_FALSE(parse_queue_file(text).message.envelope.client.local_source);
  std::string bad = text;
  bad.insert(bad.find("\nsender ") + 1, "source remote\n");
  EXPECT_EQ(parse_queue_file(bad).status, ParseStatus::malformed);
}

}  // namespace
}  // namespace tern::queue
