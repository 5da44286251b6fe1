// The client dialogue (delivery/smtp/session.hpp) against a scripted in-memory server:
// replies at each stage, per-recipient outcomes, pipelining order, LMTP's replies after
// DATA, the SIZE and SMTPUTF8 checks, HELO fallback and I/O failures.
#include "delivery/smtp/session.hpp"

#include <gtest/gtest.h>

#include "scripted_peer.hpp"

namespace tern::delivery::smtp {
namespace {

using testing::ScriptedPeer;

const char* kEhlo = "250-peer.example\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250-8BITMIME\r\n250-DSN\r\n250 SMTPUTF8";

Message message(std::vector<std::string> rcpts) {
  Message m;
  m.envelope.sender = "alice@example.org";
  for (auto& r : rcpts) m.envelope.recipients.push_back({r});
  m.content = "Subject: hi\n\n.leading dot\nbody\n";
  return m;
}

struct SmtpSession : ::testing::Test {
  ScriptedPeer peer;
  DialogueSettings settings;
  std::unique_ptr<Session> session;
  void start(const char* ehlo = kEhlo) {
    peer.script("EHLO", {ehlo});
    session = std::make_unique<Session>(peer, settings, "peer.example[127.0.0.1]");
    auto err = session->open();
    ASSERT_FALSE(err) << err->text;
  }
  std::vector<RcptOutcome> send(const Message& m) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < m.envelope.recipients.size(); ++i) idx.push_back(i);
    return session->transact(m, idx);
  }
};

TEST_F(SmtpSession, PipelinedTransactionSendsMailRcptsAndDataInOneWrite) {
  start();
  peer.script(".", {"250 2.0.0 Ok: queued as ABC"});
  peer.script("DATA", {"354 go ahead"});
  auto out = send(message({"b@example.net", "c@example.net"}));
  ASSERT_EQ(out.size(), 2u);
  for (auto& o : out) {
    EXPECT_EQ(o.kind, DeliveryResult::sent);
    EXPECT_EQ(o.dsn, "2.0.0");
    EXPECT_EQ(o.text, "250 2.0.0 Ok: queued as ABC");
  }
  ASSERT_EQ(peer.commands.size(), 5u);
  EXPECT_EQ(peer.commands[1], "MAIL FROM:<alice@example.org> SIZE=31");
  EXPECT_EQ(peer.commands[2], "RCPT TO:<b@example.net>");
  EXPECT_EQ(peer.commands[4], "DATA");
  ASSERT_EQ(peer.batches.size(), 2u);
  EXPECT_EQ(peer.batches[1], 4u);  // MAIL, RCPT, RCPT, DATA together
  EXPECT_EQ(peer.payload, "Subject: hi\r\n\r\n..leading dot\r\nbody\r\n");
  EXPECT_TRUE(session->usable());
}

TEST_F(SmtpSession, EachRcptReplyDecidesItsRecipient) {
  start();
  peer.script("RCPT", {"250 2.1.5 Ok", "550-5.1.1 <c@example.net>: Recipient address rejected:\r\n550 5.1.1 User unknown",
                       "450 4.2.0 <d@example.net>: greylisted"});
  peer.script("DATA", {"354 go ahead"});
  peer.script(".", {"250 2.0.0 Ok: queued as X"});
  auto out = send(message({"b@example.net", "c@example.net", "d@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::sent);
  EXPECT_EQ(out[1].kind, DeliveryResult::bounced);
  EXPECT_EQ(out[1].dsn, "5.1.1");
  EXPECT_EQ(out[1].text,
            "host peer.example[127.0.0.1] said: 550 5.1.1 <c@example.net>: Recipient address rejected: User unknown "
            "(in reply to RCPT TO command)");
  EXPECT_EQ(out[2].kind, DeliveryResult::deferred);
  EXPECT_EQ(out[2].dsn, "4.2.0");
}

TEST_F(SmtpSession, MailFromRejectionWithoutPipeliningSendsNoRcpt) {
  start("250-peer.example\r\n250 8BITMIME");
  peer.script("MAIL", {"451 4.3.0 try later"});
  auto out = send(message({"b@example.net", "c@example.net"}));
  for (auto& o : out) {
    EXPECT_EQ(o.kind, DeliveryResult::deferred);
    EXPECT_EQ(o.text, "host peer.example[127.0.0.1] said: 451 4.3.0 try later (in reply to MAIL FROM command)");
  }
  EXPECT_EQ(peer.commands.back(), "MAIL FROM:<alice@example.org>");
  EXPECT_TRUE(session->usable());
}

TEST_F(SmtpSession, PipelinedMailRejectionStillReadsEveryReply) {
  start();
  peer.script("MAIL", {"553 5.1.8 bad sender"});
  peer.script("RCPT", {"503 5.5.1 need MAIL"});
  peer.script("DATA", {"503 5.5.1 need RCPT"});
  auto out = send(message({"b@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::bounced);
  EXPECT_EQ(out[0].dsn, "5.1.8");
  EXPECT_TRUE(peer.pending.empty());  // all three replies consumed: the session is in step
  EXPECT_TRUE(session->usable());
}

TEST_F(SmtpSession, DataRejectionAndEndOfDataReplies) {
  start();
  peer.script("DATA", {"554 5.5.1 no valid recipients"});
  auto out = send(message({"b@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::bounced);
  EXPECT_NE(out[0].text.find("(in reply to DATA command)"), std::string::npos);

  peer.replies.clear();
  peer.script("DATA", {"354 go"});
  peer.script(".", {"451 4.3.0 queue file write error"});
  out = send(message({"b@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::deferred);
  EXPECT_NE(out[0].text.find("451 4.3.0 queue file write error (in reply to end of DATA command)"), std::string::npos);
}

TEST_F(SmtpSession, AllRecipientsRejectedWithoutPipeliningSkipsData) {
  start("250-peer.example\r\n250 DSN");
  peer.script("RCPT", {"550 5.1.1 no"});
  auto out = send(message({"b@example.net", "c@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::bounced);
  EXPECT_EQ(out[1].kind, DeliveryResult::bounced);
  EXPECT_EQ(peer.commands.back(), "RCPT TO:<c@example.net>");
  for (size_t b : peer.batches) EXPECT_EQ(b, 1u);
}

TEST_F(SmtpSession, LmtpReadsOneReplyPerAcceptedRecipient) {
  settings.lmtp = true;
  peer.script("LHLO", {"250-peer\r\n250 PIPELINING"});
  session = std::make_unique<Session>(peer, settings, "peer[private/lmtp]");
  ASSERT_FALSE(session->open());
  EXPECT_EQ(peer.commands[0], "LHLO localhost");
  peer.script("RCPT", {"250 2.1.5 ok", "550 5.1.1 unknown", "250 2.1.5 ok"});
  peer.script("DATA", {"354 go"});
  peer.script(".", {"250 2.0.0 <b> saved", "552 5.2.2 <d> over quota"});
  peer.dot_replies = 2;
  auto out = send(message({"b@x", "c@x", "d@x"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::sent);
  EXPECT_EQ(out[0].text, "250 2.0.0 <b> saved");
  EXPECT_EQ(out[1].kind, DeliveryResult::bounced);
  EXPECT_EQ(out[2].kind, DeliveryResult::bounced);
  EXPECT_EQ(out[2].dsn, "5.2.2");
  EXPECT_NE(out[2].text.find("(in reply to end of DATA command)"), std::string::npos);
}

TEST_F(SmtpSession, MessageLargerThanServerSizeBouncesBeforeMail) {
  start("250-peer.example\r\n250 SIZE 10");
  auto out = send(message({"b@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::bounced);
  EXPECT_EQ(out[0].dsn, "5.3.4");
  EXPECT_EQ(out[0].text, "message size 31 exceeds size limit 10 of server peer.example[127.0.0.1]");
  EXPECT_EQ(peer.commands.size(), 1u);
}

TEST_F(SmtpSession, Smtputf8MailToServerWithoutItBounces) {
  start("250-peer.example\r\n250 PIPELINING");
  Message m = message({"b@example.net"});
  m.envelope.smtputf8 = true;
  m.envelope.recipients[0].address = "j\xc3\xb6rg@example.net";
  auto out = send(m);
  EXPECT_EQ(out[0].kind, DeliveryResult::bounced);
  EXPECT_EQ(out[0].dsn, "5.6.7");
  EXPECT_EQ(out[0].text, "SMTPUTF8 is required, but was not offered by host peer.example[127.0.0.1]");
}

TEST_F(SmtpSession, AsciiSmtputf8MailGoesOutWithoutTheParameter) {
  start("250-peer.example\r\n250 PIPELINING");
  Message m = message({"b@example.net"});
  m.envelope.smtputf8 = true;
  m.content = "Subject: plain\n\nbody with \xc3\xa9 in it\n";  // 8-bit body, ASCII headers
  peer.script("DATA", {"354 go"});
  auto out = send(m);
  EXPECT_EQ(out[0].kind, DeliveryResult::sent);
  EXPECT_EQ(peer.commands[1], "MAIL FROM:<alice@example.org>");
}

TEST_F(SmtpSession, DsnParametersGoOutWhenOffered) {
  start();
  Message m = message({"b@example.net"});
  m.envelope.envid = "id+1";
  m.envelope.ret = "HDRS";
  m.envelope.smtputf8 = true;
  m.envelope.recipients[0].notify = notify_success | notify_failure;
  m.envelope.recipients[0].orcpt = "rfc822;b+x@example.net";
  peer.script("DATA", {"354 go"});
  send(m);
  EXPECT_EQ(peer.commands[1], "MAIL FROM:<alice@example.org> SIZE=31 SMTPUTF8 RET=HDRS ENVID=id+2B1");
  EXPECT_EQ(peer.commands[2], "RCPT TO:<b@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx@example.net");
}

TEST_F(SmtpSession, GreetingRejected) {
  peer.pending = "554 5.7.1 go away\r\n";
  Session s(peer, settings, "peer.example[127.0.0.1]");
  auto err = s.open();
  ASSERT_TRUE(err);
  EXPECT_EQ(err->text, "host peer.example[127.0.0.1] refused to talk to me: 554 5.7.1 go away");
  EXPECT_TRUE(err->permanent());
}

TEST_F(SmtpSession, EhloRefusedFallsBackToHelo) {
  peer.script("EHLO", {"502 5.5.2 what"});
  peer.script("HELO", {"250 peer.example"});
  Session s(peer, settings, "p[1.2.3.4]");
  ASSERT_FALSE(s.open());
  EXPECT_EQ(peer.commands[1], "HELO localhost");
  EXPECT_FALSE(s.features().pipelining);
  EXPECT_TRUE(s.usable());
}

TEST_F(SmtpSession, LostConnectionDefersWithTheStage) {
  start("250-peer.example\r\n250 8BITMIME");
  peer.fail_after_writes = 1;  // MAIL goes out, the first RCPT does not
  auto out = send(message({"b@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out[0].dsn, "4.4.2");
  EXPECT_EQ(out[0].text, "lost connection with peer.example[127.0.0.1] while sending RCPT TO");
  EXPECT_EQ(session->state(), State::broken);
}

TEST_F(SmtpSession, MissingReplyIsATimeout) {
  start();
  peer.script("DATA", {"354 go"});
  peer.script(".", {""});  // no answer to the final dot
  peer.replies["."].front() = "";
  auto out = send(message({"b@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out[0].text,
            "conversation with peer.example[127.0.0.1] timed out while sending end of data -- message may be sent "
            "more than once");
}

TEST_F(SmtpSession, MalformedReplyBreaksTheSession) {
  start();
  peer.script("MAIL", {"2x0 what"});
  auto out = send(message({"b@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out[0].dsn, "4.5.0");
  EXPECT_EQ(session->state(), State::broken);
}

TEST_F(SmtpSession, StateChangesAreRecorded) {
  start();
  peer.script("DATA", {"354 go"});
  send(message({"b@example.net"}));
  std::vector<State> to;
  for (auto [from, t] : session->transitions()) to.push_back(t);
  std::vector<State> want = {State::greeted, State::ready, State::mail, State::rcpt, State::data, State::sent, State::ready};
  EXPECT_EQ(to, want);
}

}  // namespace
}  // namespace tern::delivery::smtp

namespace tern::delivery::smtp {
namespace {

// ---- XFORWARD (smtp_send_xforward_command) -------------------------------------------

const char* kEhloXforward =
    "250-peer.example\r\n250-PIPELINING\r\n250-XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE\r\n250 8BITMIME";

Message forwarded_message() {
  Message m = message({"b@example.net", "c@example.net"});
  m.envelope.queue_id = "4Yg3Nf0x5WzK";
  m.envelope.client = ClientInfo{"mail.example.org", "192.0.2.7", 40122, "helo.example.org", "ESMTP"};
  return m;
}

TEST_F(SmtpSession, XforwardGoesBeforeMailFromWhenOfferedAndAskedFor) {
  settings.send_xforward = true;
  start(kEhloXforward);
  peer.script("XFORWARD", {"250 2.0.0 Ok", "250 2.0.0 Ok"});
  peer.script("DATA", {"354 go ahead"});
  peer.script(".", {"250 2.0.0 Ok: queued as F"});
  auto out = send(forwarded_message());
  EXPECT_EQ(out[0].kind, DeliveryResult::sent);
  ASSERT_GE(peer.commands.size(), 4u);
  EXPECT_EQ(peer.commands[1], "XFORWARD NAME=mail.example.org ADDR=192.0.2.7 PORT=40122 PROTO=ESMTP");
  EXPECT_EQ(peer.commands[2], "XFORWARD HELO=helo.example.org IDENT=4Yg3Nf0x5WzK SOURCE=REMOTE");
  EXPECT_TRUE(peer.commands[3].starts_with("MAIL FROM:<alice@example.org>"));
  EXPECT_EQ(peer.batches[1], 2u);  // both XFORWARDs pipelined together
  EXPECT_TRUE(session->usable());
}

TEST_F(SmtpSession, NoXforwardUnlessAskedFor) {
  start(kEhloXforward);  // send_xforward is off
  peer.script("DATA", {"354 go ahead"});
  peer.script(".", {"250 2.0.0 Ok: queued as F"});
  send(forwarded_message());
  EXPECT_TRUE(peer.commands[1].starts_with("MAIL FROM:")) << peer.commands[1];
}

TEST_F(SmtpSession, NoXforwardUnlessOffered) {
  settings.send_xforward = true;
  start();
  peer.script("DATA", {"354 go ahead"});
  peer.script(".", {"250 2.0.0 Ok: queued as F"});
  send(forwarded_message());
  EXPECT_TRUE(peer.commands[1].starts_with("MAIL FROM:")) << peer.commands[1];
}

TEST_F(SmtpSession, RefusedXforwardFailsTheTransactionAndKeepsTheSession) {
  settings.send_xforward = true;
  start(kEhloXforward);
  peer.script("XFORWARD", {"550 5.7.0 Error: insufficient authorization", "550 5.7.0 Error: insufficient authorization"});
  auto out = send(forwarded_message());
  for (auto& o : out) {
    EXPECT_EQ(o.kind, DeliveryResult::bounced);
    EXPECT_EQ(o.text, "host peer.example[127.0.0.1] said: 550 5.7.0 Error: insufficient authorization "
                      "(in reply to XFORWARD command)");
  }
  EXPECT_TRUE(peer.pending.empty());  // both pipelined replies read
  EXPECT_EQ(peer.commands.back().substr(0, 8), "XFORWARD");
  EXPECT_TRUE(session->usable());
}

TEST(SmtpEhlo, XforwardAttributesAreParsed) {
  ServerReply r;
  r.code = 250;
  r.lines = {"peer.example", "XFORWARD name ADDR", "PIPELINING"};
  auto f = parse_ehlo(r, {});
  EXPECT_EQ(f.xforward, (std::vector<std::string>{"NAME", "ADDR"}));
  EXPECT_TRUE(parse_ehlo(r, {"xforward"}).xforward.empty());
}

}  // namespace
}  // namespace tern::delivery::smtp

namespace tern::delivery::smtp {
namespace {

// RFC 3461 section 4.1: a server that offers DSN takes NOTIFY along; a success notice is
// then its business (a content filter's acceptance is not the delivery).
TEST_F(SmtpSession, DsnPassedOnOnlyToAServerThatOffersDsn) {
  start();  // kEhlo offers DSN
  peer.script("DATA", {"354 go ahead"});
  peer.script(".", {"250 2.0.0 Ok: queued as F"});
  EXPECT_TRUE(send(message({"b@example.net"}))[0].dsn_passed_on);
}

TEST_F(SmtpSession, NoDsnPassedOnWithoutTheExtension) {
  start("250-peer.example\r\n250 8BITMIME");
  peer.script("DATA", {"354 go ahead"});
  peer.script(".", {"250 2.0.0 Ok: queued as F"});
  auto out = send(message({"b@example.net"}));
  EXPECT_EQ(out[0].kind, DeliveryResult::sent);
  EXPECT_FALSE(out[0].dsn_passed_on);
}

}  // namespace
}  // namespace tern::delivery::smtp
