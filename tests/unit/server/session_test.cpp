// The SMTP state machine driven through Session::dispatch, without a network: replies,
// codes, and the protocol's ordering rules.
#include "server/session.hpp"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>

#include "../await.hpp"
#include "../temp_dir.hpp"
#include "config/config.hpp"
#include "server/context.hpp"
#include "server/queue_client.hpp"

namespace tern::server {
namespace {

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("main.cf",
              "myhostname = mx.example.test\n"
              "mydomain = example.test\n"
              "mydestination = localhost, $mydomain\n"
              "mynetworks =\n"
              "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
              "smtpd_peername_lookup = no\n"
              "local_passwd_file = passwd\n"
              "alias_maps = inline:{ postmaster=alice }\n"
              "local_recipient_maps = unix:passwd.byname $alias_maps\n"
              "message_size_limit = 1000\n"
              "smtpd_hard_error_limit = 5\n");
    dir.write("master.cf",
              "127.0.0.1:2525 inet n - n - - smtpd\n"
              "127.0.0.1:2587 inet n - n - - smtpd -o smtpd_helo_required=yes\n"
              "127.0.0.1:10025 inet n - n - - smtpd -o smtpd_authorized_xforward_hosts=127.0.0.0/8\n"
              "  -o receive_override_options=no_unknown_recipient_checks\n");
    dir.write("passwd", "alice:x:1000:1000:Alice:home/alice:/bin/sh\n");
    auto cfg = config::load(config::LoadOptions{dir.path()});
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    cfg_ = *cfg;
    queue_ = std::make_unique<QueueClient>(io_, dir.file("no-such-socket"));
  }

  std::shared_ptr<Session> session(size_t service = 0, std::string addr = {}) {
    auto ctx = make_context(cfg_, cfg_->services.at(service));
    EXPECT_TRUE(ctx.ok()) << (ctx.ok() ? "" : ctx.error().message);
    return std::make_shared<Session>(asio::ip::tcp::socket(io_), *ctx, *queue_, std::move(addr));
  }

  // The reply to one line, as it goes on the wire.
  std::string say(Session& s, std::string_view line) { return send(s, line).reply.wire(); }
  Session::Outcome send(Session& s, std::string_view line) { return testing::run_await(io_, s.dispatch(line)); }

  // A session that is in the RCPT state with alice as recipient.
  std::shared_ptr<Session> with_recipient() {
    auto s = session();
    EXPECT_EQ(say(*s, "EHLO client.example").substr(0, 4), "250-");
    EXPECT_EQ(say(*s, "MAIL FROM:<sender@example.org>"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok\r\n");
    return s;
  }

  testing::TempDir dir;
  asio::io_context io_;
  std::shared_ptr<const config::Config> cfg_;
  std::unique_ptr<QueueClient> queue_;
};

TEST_F(SessionTest, HeloRepliesWithTheHostname) {
  auto s = session();
  EXPECT_EQ(say(*s, "HELO client.example"), "250 mx.example.test\r\n");
}

TEST_F(SessionTest, EhloListsExtensionsWithTheSizeLimit) {
  auto s = session();
  std::string r = say(*s, "EHLO client.example");
  EXPECT_EQ(r.rfind("250-mx.example.test\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("250-PIPELINING\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("SIZE 1000\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("ENHANCEDSTATUSCODES\r\n"), std::string::npos) << r;
}

TEST_F(SessionTest, HeloWithoutHostnameIsASyntaxError) {
  auto s = session();
  EXPECT_EQ(say(*s, "HELO"), "501 5.5.4 Syntax: HELO hostname\r\n");
  EXPECT_EQ(say(*s, "EHLO"), "501 5.5.4 Syntax: EHLO hostname\r\n");
}

TEST_F(SessionTest, MailBeforeHeloIsAllowedByDefault) {
  auto s = session();
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok\r\n");
}

TEST_F(SessionTest, MailBeforeHeloIsRefusedWhenHeloIsRequired) {
  auto s = session(1);
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
  EXPECT_EQ(say(*s, "HELO client.example"), "250 mx.example.test\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok\r\n");
}

TEST_F(SessionTest, BadSequence) {
  auto s = session();
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(say(*s, "DATA"), "503 5.5.1 Error: need RCPT command\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "503 5.5.1 Error: nested MAIL command\r\n");
  EXPECT_EQ(say(*s, "DATA"), "554 5.5.1 Error: no valid recipients\r\n");
}

TEST_F(SessionTest, MailSyntaxErrors) {
  auto s = session();
  EXPECT_EQ(say(*s, "MAIL TO:<a@example.org>"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(say(*s, "MAIL"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<a b@example.org>"), "501 5.1.7 Bad sender address syntax\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org"), "501 5.1.7 Bad sender address syntax\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org> SIZE=lots"), "501 5.5.4 Bad message size syntax\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org> BODY=9BIT"), "501 5.5.4 Unsupported BODY parameter\r\n");
}

TEST_F(SessionTest, MailFromSloppyFormIsAccepted) {
  auto s = session();
  EXPECT_EQ(say(*s, "mail from: sender@example.org"), "250 2.1.0 Ok\r\n");
}

TEST_F(SessionTest, NullSenderIsAccepted) {
  auto s = session();
  EXPECT_EQ(say(*s, "MAIL FROM:<>"), "250 2.1.0 Ok\r\n");
}

TEST_F(SessionTest, SizeOverTheLimitIsRefused) {
  auto s = session();
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org> SIZE=1001"),
            "552 5.3.4 Message size exceeds fixed limit\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org> SIZE=1000 BODY=8BITMIME"), "250 2.1.0 Ok\r\n");
}

TEST_F(SessionTest, UnknownMailParameterIsRefused) {
  auto s = session();
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org> XFOO=1"), "555 5.5.4 Unsupported option: XFOO\r\n");
}

TEST_F(SessionTest, RelayIsDenied) {
  auto s = session();
  say(*s, "EHLO client.example");
  say(*s, "MAIL FROM:<a@example.org>");
  EXPECT_EQ(say(*s, "RCPT TO:<victim@remote.example>"),
            "554 5.7.1 <victim@remote.example>: Relay access denied\r\n");
}

TEST_F(SessionTest, UnknownLocalUserIsRejected) {
  auto s = session();
  say(*s, "MAIL FROM:<a@example.org>");
  EXPECT_EQ(say(*s, "RCPT TO:<mallory@example.test>"),
            "550 5.1.1 <mallory@example.test>: Recipient address rejected: User unknown in local "
            "recipient table\r\n");
}

TEST_F(SessionTest, KnownLocalUsersAndAliasesAreAccepted) {
  auto s = session();
  say(*s, "MAIL FROM:<a@example.org>");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(*s, "RCPT TO:<Postmaster@localhost>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(*s, "rcpt to: alice@EXAMPLE.TEST"), "250 2.1.5 Ok\r\n");
}

TEST_F(SessionTest, RcptSyntaxErrors) {
  auto s = session();
  say(*s, "MAIL FROM:<a@example.org>");
  EXPECT_EQ(say(*s, "RCPT TO:<>"), "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(say(*s, "RCPT TO:<a b@example.test>"), "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(say(*s, "RCPT FROM:<alice@example.test>"), "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
}

TEST_F(SessionTest, DataStartsTheContent) {
  auto s = with_recipient();
  Session::Outcome o = send(*s, "DATA");
  EXPECT_EQ(o.reply.wire(), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_TRUE(o.start_data);
  EXPECT_FALSE(o.close);
}

TEST_F(SessionTest, DataWithAnArgumentIsASyntaxError) {
  auto s = with_recipient();
  Session::Outcome o = send(*s, "DATA now");
  EXPECT_EQ(o.reply.wire(), "501 5.5.4 Syntax: DATA\r\n");
  EXPECT_FALSE(o.start_data);
}

TEST_F(SessionTest, RsetEndsTheTransaction) {
  auto s = with_recipient();
  EXPECT_EQ(say(*s, "RSET"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(say(*s, "DATA"), "503 5.5.1 Error: need RCPT command\r\n");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<b@example.org>"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(say(*s, "RSET extra"), "501 5.5.4 Syntax: RSET\r\n");
}

TEST_F(SessionTest, HeloAgainResetsTheTransaction) {
  auto s = with_recipient();
  EXPECT_EQ(say(*s, "HELO again.example"), "250 mx.example.test\r\n");
  EXPECT_EQ(say(*s, "DATA"), "503 5.5.1 Error: need RCPT command\r\n");
}

TEST_F(SessionTest, NoopChangesNothing) {
  auto s = with_recipient();
  EXPECT_EQ(say(*s, "NOOP"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(say(*s, "noop with args"), "250 2.0.0 Ok\r\n");
  EXPECT_TRUE(send(*s, "DATA").start_data);
}

TEST_F(SessionTest, QuitCloses) {
  auto s = session();
  Session::Outcome o = send(*s, "QUIT");
  EXPECT_EQ(o.reply.wire(), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(o.close);
}

TEST_F(SessionTest, UnknownCommand) {
  auto s = session();
  Session::Outcome o = send(*s, "XYZZY plugh");
  EXPECT_EQ(o.reply.wire(), "502 5.5.2 Error: command not recognized\r\n");
  EXPECT_FALSE(o.close);
}

TEST_F(SessionTest, EmptyLineIsAnError) {
  auto s = session();
  EXPECT_EQ(say(*s, "").substr(0, 4), "500 ");
}

TEST_F(SessionTest, HardErrorLimitSends421AndCloses) {
  auto s = session();
  for (int i = 1; i < 5; ++i) {
    Session::Outcome o = send(*s, "BOGUS");
    EXPECT_FALSE(o.close) << i;
    EXPECT_FALSE(o.then.has_value()) << i;
  }
  Session::Outcome last = send(*s, "BOGUS");
  EXPECT_EQ(last.reply.wire(), "502 5.5.2 Error: command not recognized\r\n");
  EXPECT_TRUE(last.close);
  ASSERT_TRUE(last.then.has_value());
  EXPECT_EQ(last.then->code, 421);
  EXPECT_EQ(last.then->text, "mx.example.test Error: too many errors");
}

TEST_F(SessionTest, SuccessfulCommandsDoNotCountTowardTheErrorLimit) {
  auto s = session();
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(send(*s, "NOOP").close);
  for (int i = 1; i < 5; ++i) EXPECT_FALSE(send(*s, "BOGUS").close);
}

TEST_F(SessionTest, VrfyChecksTheRecipient) {
  auto s = session();
  EXPECT_EQ(say(*s, "VRFY <alice@example.test>"), "252 2.0.0 <alice@example.test>\r\n");
  EXPECT_EQ(say(*s, "VRFY mallory@example.test"),
            "550 5.1.1 <mallory@example.test>: Recipient address rejected: User unknown in local "
            "recipient table\r\n");
  EXPECT_EQ(say(*s, "VRFY"), "501 5.5.4 Syntax: VRFY address\r\n");
}

}  // namespace
}  // namespace tern::server

namespace tern::server {
namespace {

// ---- XFORWARD and receive_override_options (service 2: the re-injection port) ---------

TEST_F(SessionTest, XforwardIsOfferedOnlyToAuthorizedHosts) {
  auto reinject = session(2, "127.0.0.1");
  EXPECT_NE(say(*reinject, "EHLO filter.example").find("250 XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE\r\n"),
            std::string::npos);
  auto other = session(2, "192.0.2.1");
  EXPECT_EQ(say(*other, "EHLO client.example").find("XFORWARD"), std::string::npos);
  EXPECT_EQ(say(*other, "XFORWARD ADDR=192.0.2.9"), "550 5.7.0 Error: insufficient authorization\r\n");
  auto plain = session(0, "127.0.0.1");
  EXPECT_EQ(say(*plain, "EHLO client.example").find("XFORWARD"), std::string::npos);
  EXPECT_EQ(say(*plain, "XFORWARD ADDR=192.0.2.9"), "550 5.7.0 Error: insufficient authorization\r\n");
}

TEST_F(SessionTest, XforwardSyntaxAndSequence) {
  auto s = session(2, "127.0.0.1");
  say(*s, "EHLO filter.example");
  EXPECT_EQ(say(*s, "XFORWARD"), "501 5.5.4 Syntax: XFORWARD attribute=value...\r\n");
  EXPECT_EQ(say(*s, "XFORWARD BOGUS=1"), "501 5.5.4 Bad XFORWARD attribute name: BOGUS\r\n");
  EXPECT_EQ(say(*s, "XFORWARD PORT=99999"), "501 5.5.4 Bad XFORWARD PORT syntax\r\n");
  EXPECT_EQ(say(*s, "XFORWARD NAME=mail.example.org ADDR=192.0.2.7"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(say(*s, "XFORWARD HELO=x"), "503 5.5.1 Error: MAIL transaction in progress\r\n");
  EXPECT_EQ(say(*s, "RSET"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(say(*s, "XFORWARD HELO=x"), "250 2.0.0 Ok\r\n");
}

TEST_F(SessionTest, NoUnknownRecipientChecksAcceptsUnlistedUsers) {
  auto s = session(2, "127.0.0.1");
  say(*s, "EHLO filter.example");
  say(*s, "MAIL FROM:<a@example.org>");
  EXPECT_EQ(say(*s, "RCPT TO:<nobody-here@example.test>"), "250 2.1.5 Ok\r\n");
  auto main = session(0, "127.0.0.1");
  say(*main, "EHLO client.example");
  say(*main, "MAIL FROM:<a@example.org>");
  EXPECT_EQ(say(*main, "RCPT TO:<nobody-here@example.test>").substr(0, 4), "550 ");
}

// no_milters: the built-in milter work (DKIM verification, DMARC, Authentication-Results)
// is off on that service, so a re-injected message is not judged again from the filter's
// address; the content filter and overrides go with every message of the service.
TEST_F(SessionTest, ReceiveOverridesAndContentFilterInTheContext) {
  dir.write("master.cf",
            "127.0.0.1:2525 inet n - n - - smtpd -o content_filter=smtp-amavis:[127.0.0.1]:10024\n"
            "  -o smtpd_milters=inet:127.0.0.1:11332\n"
            "127.0.0.1:10025 inet n - n - - smtpd -o content_filter= -o receive_override_options=no_milters\n"
            "  -o smtpd_milters=inet:127.0.0.1:11332\n");
  auto cfg = config::load(config::LoadOptions{dir.path()});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  auto front = make_context(*cfg, (*cfg)->services.at(0));
  auto reinject = make_context(*cfg, (*cfg)->services.at(1));
  ASSERT_TRUE(front.ok() && reinject.ok());
  EXPECT_TRUE((*front)->inbound_auth.has_value());  // dkim_verify_enable = yes by default
  EXPECT_TRUE((*front)->milters.has_value());
  EXPECT_EQ((*front)->content_filter, "smtp-amavis:[127.0.0.1]:10024");
  EXPECT_FALSE((*reinject)->inbound_auth.has_value());
  EXPECT_FALSE((*reinject)->milters.has_value());
  EXPECT_TRUE((*reinject)->overrides.no_milters);
  EXPECT_EQ((*reinject)->content_filter, "");
}

TEST_F(SessionTest, UnknownReceiveOverrideOptionIsAConfigError) {
  dir.write("master.cf", "127.0.0.1:2525 inet n - n - - smtpd -o receive_override_options=no_header_reply\n");
  auto cfg = config::load(config::LoadOptions{dir.path()});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  auto ctx = make_context(*cfg, (*cfg)->services.at(0));
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("unknown option \"no_header_reply\""), std::string::npos);
}

}  // namespace
}  // namespace tern::server
