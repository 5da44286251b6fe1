// The session's rate checks through Session::dispatch, without a network: MAIL and RCPT
// over smtpd_client_message_rate_limit / _recipient_rate_limit get Postfix's 450 before
// anything else about the command is decided, and a session without counters (an exempt
// client) is never refused.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>

#include "../await.hpp"
#include "../temp_dir.hpp"
#include "config/config.hpp"
#include "server/anvil.hpp"
#include "server/context.hpp"
#include "server/queue_client.hpp"
#include "server/session.hpp"

namespace tern::server {
namespace {

class SessionRatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("main.cf",
              "myhostname = mx.example.test\n"
              "mydomain = example.test\n"
              "mydestination = localhost, $mydomain\n"
              "mynetworks =\n"
              "smtpd_relay_restrictions = reject_unauth_destination\n"
              "local_passwd_file = passwd\n"
              "local_recipient_maps = unix:passwd.byname\n"
              "smtpd_client_message_rate_limit = 2\n"
              "smtpd_client_recipient_rate_limit = 3\n");
    dir.write("master.cf", "127.0.0.1:2525 inet n - n - - smtpd\n");
    dir.write("passwd", "alice:x:1000:1000:Alice:home/alice:/bin/sh\n");
    auto cfg = config::load(config::LoadOptions{dir.path()});
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto ctx = make_context(*cfg, (*cfg)->services.at(0));
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    ctx_ = *ctx;
    queue_ = std::make_unique<QueueClient>(io_, dir.file("no-such-socket"));
  }

  // A session of client 192.0.2.5 whose events are counted.
  std::shared_ptr<Session> counted() {
    auto s = std::make_shared<Session>(asio::ip::tcp::socket(io_), ctx_, *queue_, "192.0.2.5");
    s->set_rates(ClientRates(anvil_, anvil_.connect("smtp", "192.0.2.5", 1000), ctx_->rate_limits));
    return s;
  }
  std::string say(Session& s, std::string_view line) { return testing::run_await(io_, s.dispatch(line)).reply.wire(); }

  testing::TempDir dir;
  asio::io_context io_;
  std::shared_ptr<const SmtpdContext> ctx_;
  std::unique_ptr<QueueClient> queue_;
  Anvil anvil_{3600};
};

TEST_F(SessionRatesTest, MailOverTheMessageRateIsRefused) {
  auto s = counted();
  ASSERT_EQ(say(*s, "EHLO client.example").substr(0, 4), "250-");
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok\r\n") << i;
    EXPECT_EQ(say(*s, "RSET"), "250 2.0.0 Ok\r\n");
  }
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "450 4.7.1 Error: too much mail from 192.0.2.5\r\n");
  // Another session of the same client shares the count.
  auto t = counted();
  EXPECT_EQ(say(*t, "MAIL FROM:<a@example.org>"), "450 4.7.1 Error: too much mail from 192.0.2.5\r\n");
}

TEST_F(SessionRatesTest, RcptOverTheRecipientRateIsRefusedBeforeTheRestrictions) {
  auto s = counted();
  ASSERT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(say(*s, "RCPT TO:<x@elsewhere.example>").substr(0, 4), "554 ");  // counted, then relay denied
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "450 4.7.1 Error: too many recipients from 192.0.2.5\r\n");
  // A malformed command gets its syntax error, not the rate refusal.
  EXPECT_EQ(say(*s, "RCPT TO:<>").substr(0, 4), "501 ");
}

TEST_F(SessionRatesTest, ASessionWithoutCountersIsNeverRefused) {
  auto s = std::make_shared<Session>(asio::ip::tcp::socket(io_), ctx_, *queue_, "192.0.2.6");
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok\r\n") << i;
    ASSERT_EQ(say(*s, "RSET"), "250 2.0.0 Ok\r\n");
  }
}

}  // namespace
}  // namespace tern::server
