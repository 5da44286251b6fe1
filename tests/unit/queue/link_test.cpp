// Queue link records between smtpd and the queue role.
#include "queue/link.hpp"

#include <gtest/gtest.h>

namespace tern::queue {
namespace {

wire::Frame frame_of(const std::string& bytes) {
  wire::FrameParser p;
  p.feed(bytes);
  auto f = p.next();
  EXPECT_TRUE(f.has_value());
  EXPECT_FALSE(p.next().has_value());
  return f.value_or(wire::Frame{});
}

SubmitRequest request() {
  SubmitRequest r;
  r.seq = 0x1122334455667788ULL;
  Envelope& e = r.message.envelope;
  e.queue_id = "0000000000zB";
  e.sender = "a b@example.org";
  e.arrival = 1763775245.25;
  e.client = ClientInfo{"mail.example.org", "192.0.2.7", 40122, "helo", "ESMTPA", "LOGIN", "u", true};
  e.envid = "E";
  e.ret = "FULL";
  e.body_type = "7BIT";
  e.smtputf8 = true;
  e.verp = "+=";
  e.no_header_body_checks = true;
  e.no_milters = true;
  e.filter = "smtp-amavis:[127.0.0.1]:10024";
  e.recipients = {Recipient{"x@y", "rfc822;x@y", notify_delay}, Recipient{"z@y", "", 0}};
  e.recipients[1].original = "orig@y";
  r.message.content = std::string("content\0with nul\n", 17);
  return r;
}

TEST(Link, SubmitRoundTrip) {
  SubmitRequest in = request();
  auto out = decode_submit(frame_of(encode(in)));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->seq, in.seq);
  const Envelope& a = out->message.envelope;
  const Envelope& b = in.message.envelope;
  EXPECT_EQ(a.queue_id, b.queue_id);
  EXPECT_EQ(a.sender, b.sender);
  EXPECT_EQ(a.arrival, b.arrival);
  EXPECT_EQ(a.client.name, b.client.name);
  EXPECT_EQ(a.client.addr, b.client.addr);
  EXPECT_EQ(a.client.port, b.client.port);
  EXPECT_EQ(a.client.helo, b.client.helo);
  EXPECT_EQ(a.client.protocol, b.client.protocol);
  EXPECT_EQ(a.client.sasl_method, b.client.sasl_method);
  EXPECT_EQ(a.client.sasl_username, b.client.sasl_username);
  EXPECT_EQ(a.envid, b.envid);
  EXPECT_EQ(a.ret, b.ret);
  EXPECT_EQ(a.body_type, b.body_type);
  EXPECT_EQ(a.smtputf8, b.smtputf8);
  EXPECT_EQ(a.verp, "+=");
  EXPECT_TRUE(a.no_header_body_checks);
  EXPECT_FALSE(a.no_address_mappings);
  EXPECT_TRUE(a.no_milters);
  EXPECT_EQ(a.filter, "smtp-amavis:[127.0.0.1]:10024");
  EXPECT_TRUE(a.client.local_source);
  ASSERT_EQ(a.recipients.size(), 2u);
  EXPECT_EQ(a.recipients[0].original, "");
  EXPECT_EQ(a.recipients[1].original, "orig@y");
  EXPECT_EQ(a.recipients[0].address, "x@y");
  EXPECT_EQ(a.recipients[0].orcpt, "rfc822;x@y");
  EXPECT_EQ(a.recipients[0].notify, notify_delay);
  EXPECT_EQ(a.recipients[1].address, "z@y");
  EXPECT_EQ(out->message.content, in.message.content);
}

TEST(Link, SubmitReplyRoundTrip) {
  SubmitReply in{42, true, "0000000000zB", ""};
  auto out = decode_submit_reply(frame_of(encode(in)));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->seq, 42u);
  EXPECT_TRUE(out->ok);
  EXPECT_EQ(out->queue_id, "0000000000zB");
  SubmitReply bad{7, false, "", "disk full"};
  auto out2 = decode_submit_reply(frame_of(encode(bad)));
  ASSERT_TRUE(out2.ok());
  EXPECT_FALSE(out2->ok);
  EXPECT_EQ(out2->error, "disk full");
  SubmitReply refused{8, true, "0000000000zC", "", "550 5.7.1 no thanks"};
  auto out3 = decode_submit_reply(frame_of(encode(refused)));
  ASSERT_TRUE(out3.ok());
  EXPECT_EQ(out3->refusal, "550 5.7.1 no thanks");
}

TEST(Link, WrongTypeIsRejected) {
  auto r = decode_submit(frame_of(encode(SubmitReply{1, true, "x", ""})));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unexpected record type 2");
  auto s = decode_submit_reply(frame_of(encode(request())));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "unexpected record type 1");
}

TEST(Link, WrongVersionIsRejected) {
  wire::Frame f = frame_of(encode(request()));
  f.version = 9;
  auto r = decode_submit(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unsupported record version 9");
}

TEST(Link, TruncatedOrPaddedPayloadIsRejected) {
  wire::Frame f = frame_of(encode(request()));
  for (size_t cut : {size_t(0), size_t(1), size_t(8), f.payload.size() / 2, f.payload.size() - 1}) {
    wire::Frame t = f;
    t.payload.resize(cut);
    auto r = decode_submit(t);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.error().message, "submit record: malformed");
  }
  wire::Frame padded = f;
  padded.payload.push_back('x');
  EXPECT_EQ(decode_submit(padded).error().message, "submit record: malformed");
  wire::Frame reply = frame_of(encode(SubmitReply{1, true, "q", ""}));
  reply.payload.pop_back();
  EXPECT_EQ(decode_submit_reply(reply).error().message, "submit reply record: malformed");
}

TEST(Link, AbsurdRecipientCountIsRejected) {
  // No recipients and no content: the payload ends with u32 count, u32 content length.
  SubmitRequest r;
  r.message.envelope.queue_id = "0000000000zB";
  wire::Frame f = frame_of(encode(r));
  ASSERT_TRUE(decode_submit(f).ok());
  uint32_t huge = 1000000;
  f.payload.replace(f.payload.size() - 8, 4, std::string(reinterpret_cast<const char*>(&huge), 4));
  auto bad = decode_submit(f);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "submit record: too many recipients");
}

}  // namespace
}  // namespace tern::queue

namespace tern::queue {
namespace {

TEST(Link, VerifyQueryAndReplyRoundTrip) {
  auto q = decode_verify_query(frame_of(encode(VerifyQuery{9, "bob@example.org"})));
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->seq, 9u);
  EXPECT_EQ(q->address, "bob@example.org");
  auto r = decode_verify_reply(frame_of(encode(VerifyReply{9, 2, "host said: 550 5.1.1 no"})));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 2);
  EXPECT_EQ(r->text, "host said: 550 5.1.1 no");
}

TEST(Link, MalformedVerifyRecordsAreRejected) {
  EXPECT_FALSE(decode_verify_query(frame_of(encode(VerifyQuery{1, ""}))).ok());
  EXPECT_FALSE(decode_verify_query(frame_of(encode(VerifyQuery{1, std::string(512, 'a')}))).ok());
  EXPECT_TRUE(decode_verify_query(frame_of(encode(VerifyQuery{1, std::string(511, 'a')}))).ok());
  EXPECT_FALSE(decode_verify_reply(frame_of(encode(VerifyReply{1, 4, "x"}))).ok());
  EXPECT_EQ(decode_verify_reply(frame_of(encode(VerifyQuery{1, "a@b"}))).error().message, "unexpected record type 3");
  wire::Frame f = frame_of(encode(VerifyReply{1, 0, "ok"}));
  f.payload.push_back('x');
  EXPECT_EQ(decode_verify_reply(f).error().message, "verify reply record: malformed");
  f.payload.resize(3);
  EXPECT_FALSE(decode_verify_reply(f).ok());
}

}  // namespace
}  // namespace tern::queue
