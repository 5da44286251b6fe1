// The restriction stages at their commands, through Session::dispatch on a local event
// loop: smtpd_delay_reject = yes (everything at RCPT) and = no (client at connect, HELO at
// HELO/EHLO, sender at MAIL), smtpd_data_restrictions at DATA, restriction classes, and
// defer_if_permit carried from an early stage to RCPT.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>

#include <algorithm>

#include "../await.hpp"
#include "../temp_dir.hpp"
#include "config/config.hpp"
#include "server/context.hpp"
#include "server/queue_client.hpp"
#include "server/session.hpp"

namespace tern::server {
namespace {

class StagesTest : public ::testing::Test {
 protected:
  // A session from 192.0.2.7 with `extra` main.cf lines.
  std::shared_ptr<Session> session(const std::string& extra, const policy::DelegateRegistry* delegates = nullptr) {
    dir.write("main.cf",
              "myhostname = mx.example.test\n"
              "mydomain = example.test\n"
              "mydestination = localhost, $mydomain\n"
              "mynetworks =\n"
              "smtpd_peername_lookup = no\n"
              "local_passwd_file = passwd\n"
              "local_recipient_maps = unix:passwd.byname\n" +
                  extra);
    dir.write("master.cf", "127.0.0.1:2525 inet n - n - - smtpd\n");
    dir.write("passwd", "alice:x:1000:1000:Alice:home/alice:/bin/sh\nbob:x:1001:1001:Bob:home/bob:/bin/sh\n");
    auto cfg = config::load(config::LoadOptions{dir.path()});
    EXPECT_TRUE(cfg.ok()) << cfg.error().message;
    cfg_ = *cfg;
    queue_ = std::make_unique<QueueClient>(io_, dir.file("no-such-socket"));
    auto ctx = make_context(cfg_, cfg_->services.at(0), nullptr, delegates);
    EXPECT_TRUE(ctx.ok()) << (ctx.ok() ? "" : ctx.error().message);
    ctx_error_ = ctx.ok() ? "" : ctx.error().message;
    if (!ctx.ok()) return nullptr;
    return std::make_shared<Session>(asio::ip::tcp::socket(io_), *ctx, *queue_, "192.0.2.7");
  }

  std::string make_error(const std::string& extra) {
    dir.write("main.cf", "myhostname = mx.example.test\nmydestination = example.test\nalias_maps =\n"
                         "local_recipient_maps =\n" + extra);
    dir.write("master.cf", "127.0.0.1:2525 inet n - n - - smtpd\n");
    auto cfg = config::load(config::LoadOptions{dir.path()});
    if (!cfg.ok()) return cfg.error().message;
    auto ctx = make_context(*cfg, (*cfg)->services.at(0));
    return ctx.ok() ? "" : ctx.error().message;
  }

  std::string say(Session& s, std::string_view line) {
    std::string r = testing::run_await(io_, s.dispatch(line)).reply.wire();
    if (r.size() >= 2) r.resize(r.size() - 2);
    return r;
  }
  std::optional<smtp::Reply> connect(Session& s) { return testing::run_await(io_, s.on_connect()); }

  testing::TempDir dir;
  asio::io_context io_;
  std::shared_ptr<const config::Config> cfg_;
  std::unique_ptr<QueueClient> queue_;
  std::string ctx_error_;
};

const char* kClientReject = "smtpd_client_restrictions = check_client_access inline:{ 192.0.2.7=REJECT }\n";

TEST_F(StagesTest, DelayRejectYesRefusesTheClientAtEachRcpt) {
  auto s = session(kClientReject);
  ASSERT_TRUE(s);
  EXPECT_EQ(connect(*s), std::nullopt);
  EXPECT_EQ(say(*s, "EHLO client.example").substr(0, 4), "250-");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok");
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"),
              "554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: Access denied");
}

TEST_F(StagesTest, DelayRejectNoRefusesAtConnectThenOnly503) {
  auto s = session(std::string(kClientReject) + "smtpd_delay_reject = no\n");
  ASSERT_TRUE(s);
  auto r = connect(*s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->wire(), "554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: Access denied\r\n");
  EXPECT_EQ(say(*s, "EHLO client.example"), "503 5.7.0 Error: access denied for unknown[192.0.2.7]");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "503 5.7.0 Error: access denied for unknown[192.0.2.7]");
  EXPECT_EQ(say(*s, "QUIT"), "221 2.0.0 Bye");
}

TEST_F(StagesTest, DelayRejectNoHeloAndSender) {
  auto s = session(
      "smtpd_delay_reject = no\n"
      "smtpd_helo_restrictions = check_helo_access inline:{ evil.test=REJECT }\n"
      "smtpd_sender_restrictions = check_sender_access inline:{ spam.test=REJECT }\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(connect(*s), std::nullopt);
  EXPECT_EQ(say(*s, "HELO evil.test"), "554 5.7.1 <evil.test>: Helo command rejected: Access denied");
  EXPECT_EQ(say(*s, "HELO good.test"), "250 mx.example.test");
  EXPECT_EQ(say(*s, "MAIL FROM:<x@spam.test>"), "554 5.7.1 <x@spam.test>: Sender address rejected: Access denied");
  // The refused MAIL opened no transaction.
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "503 5.5.1 Error: need MAIL command");
  EXPECT_EQ(say(*s, "MAIL FROM:<x@example.org>"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok");
}

TEST_F(StagesTest, DelayRejectYesHeloAndSenderAtRcpt) {
  auto s = session(
      "smtpd_helo_restrictions = check_helo_access inline:{ evil.test=REJECT }\n"
      "smtpd_sender_restrictions = check_sender_access inline:{ spam.test=REJECT }\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(say(*s, "HELO evil.test"), "250 mx.example.test");
  EXPECT_EQ(say(*s, "MAIL FROM:<x@spam.test>"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "554 5.7.1 <evil.test>: Helo command rejected: Access denied");
}

TEST_F(StagesTest, DeferIfPermitAtMailWaitsForRcpt) {
  auto s = session(
      "smtpd_delay_reject = no\n"
      "smtpd_sender_restrictions = check_sender_access inline:{ {grey.test = DEFER_IF_PERMIT 4.7.1 maybe later} }\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(say(*s, "HELO good.test"), "250 mx.example.test");
  EXPECT_EQ(say(*s, "MAIL FROM:<x@grey.test>"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "450 4.7.1 <x@grey.test>: Sender address rejected: maybe later");
  EXPECT_EQ(say(*s, "RSET"), "250 2.0.0 Ok");
  EXPECT_EQ(say(*s, "MAIL FROM:<x@example.org>"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok");
}

TEST_F(StagesTest, DataRestrictions) {
  auto s = session("smtpd_data_restrictions = reject_multi_recipient_bounce\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(say(*s, "HELO good.test"), "250 mx.example.test");
  EXPECT_EQ(say(*s, "MAIL FROM:<>"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<bob@example.test>"), "250 2.1.5 Ok");
  EXPECT_EQ(say(*s, "DATA"), "550 5.5.3 <>: Sender address rejected: Multi-recipient bounce");
  EXPECT_EQ(say(*s, "RSET"), "250 2.0.0 Ok");
  EXPECT_EQ(say(*s, "MAIL FROM:<>"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok");
  EXPECT_EQ(say(*s, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
}

TEST_F(StagesTest, RestrictionClasses) {
  auto s = session(
      "smtpd_restriction_classes = strict, lenient\n"
      "strict = reject_non_fqdn_sender, reject\n"
      "lenient = permit\n"
      "smtpd_recipient_restrictions = check_recipient_access inline:{ alice@example.test=strict, "
      "bob@example.test=lenient }\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(say(*s, "HELO good.test"), "250 mx.example.test");
  EXPECT_EQ(say(*s, "MAIL FROM:<x@example.org>"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"),
            "554 5.7.1 <alice@example.test>: Recipient address rejected: Access denied");
  EXPECT_EQ(say(*s, "RCPT TO:<bob@example.test>"), "250 2.1.5 Ok");
}

TEST_F(StagesTest, MalformedClassDefinitions) {
  EXPECT_EQ(make_error("smtpd_restriction_classes = nowhere\n"),
            "smtpd_restriction_classes: class nowhere has no definition (nowhere = ... in main.cf)");
  EXPECT_EQ(make_error("smtpd_restriction_classes = bad\nbad = permit_mynetworks, reject_bogus\n"),
            "bad: unknown restriction \"reject_bogus\" (not supported yet)");
  EXPECT_EQ(make_error("smtpd_restriction_classes = check_greylist\ncheck_greylist = permit\n"),
            "smtpd_restriction_classes: \"check_greylist\" is not a valid class name");
  EXPECT_EQ(make_error("smtpd_restriction_classes = c\nc = check_sender_access\n"),
            "c: check_sender_access needs a table (type:name)");
}

TEST_F(StagesTest, DelegateWordsNeedTheRegistry) {
  EXPECT_EQ(make_error("smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:25099\n"),
            "smtpd_recipient_restrictions: check_policy_service is not available in this build");
  EXPECT_EQ(make_error("smtpd_recipient_restrictions = check_policy_service { inet:127.0.0.1:25099, timeout=10s }\n"),
            "smtpd_recipient_restrictions: check_policy_service is not available in this build");
}

TEST_F(StagesTest, DryRunAccepts) {
  auto s = session(std::string(kClientReject) + "smtpd_restriction_dry_run = yes\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(say(*s, "HELO good.test"), "250 mx.example.test");
  EXPECT_EQ(say(*s, "MAIL FROM:<x@example.org>"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok");
}

TEST_F(StagesTest, SoftBounce) {
  auto s = session(std::string(kClientReject) + "soft_bounce = yes\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(say(*s, "HELO good.test"), "250 mx.example.test");
  EXPECT_EQ(say(*s, "MAIL FROM:<x@example.org>"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"),
            "454 4.7.1 <unknown[192.0.2.7]>: Client host rejected: Access denied");
}

// A policy that records what it was asked and answers from a script.
class RecordingPolicy : public policy::Delegate {
 public:
  asio::awaitable<Result<std::string>> ask(const policy::PolicyRequest& r) override {
    requests.push_back(r);
    std::string answer = "DUNNO";
    if (r.get("recipient") == "bob@example.test") answer = "REJECT 5.7.1 not bob";
    if (r.get("protocol_state") == "END-OF-MESSAGE") answer = "PREPEND X-Policy: seen";
    co_return answer;
  }
  std::vector<policy::PolicyRequest> requests;
};

TEST_F(StagesTest, PolicyServiceAtEachStage) {
  auto policy = std::make_shared<RecordingPolicy>();
  policy::DelegateRegistry registry;
  std::vector<std::string> specs;
  registry.add("check_policy_service", [&](std::string_view, std::string_view arg) -> Result<std::shared_ptr<policy::Delegate>> {
    specs.emplace_back(arg);
    return std::shared_ptr<policy::Delegate>(policy);
  });
  auto s = session(
      "smtpd_delay_reject = no\n"
      "smtpd_client_restrictions = check_policy_service unix:private/policy\n"
      "smtpd_helo_restrictions = check_policy_service unix:private/policy\n"
      "smtpd_sender_restrictions = check_policy_service unix:private/policy\n"
      "smtpd_recipient_restrictions = check_policy_service { unix:private/policy, default_action=DUNNO }\n"
      "smtpd_data_restrictions = check_policy_service unix:private/policy\n",
      &registry);
  ASSERT_TRUE(s);
  // Postfix 3's "{ service, attribute=value, ... }" form reaches the factory as one string.
  EXPECT_EQ(std::count(specs.begin(), specs.end(), "unix:private/policy, default_action=DUNNO"), 1);
  EXPECT_EQ(connect(*s), std::nullopt);
  EXPECT_EQ(say(*s, "EHLO client.example").substr(0, 4), "250-");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org> SIZE=1234"), "250 2.1.0 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<alice@example.test>"), "250 2.1.5 Ok");
  EXPECT_EQ(say(*s, "RCPT TO:<bob@example.test>"), "554 5.7.1 <bob@example.test>: Recipient address rejected: not bob");
  EXPECT_EQ(say(*s, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
  ASSERT_EQ(policy->requests.size(), 6u);
  std::vector<std::string> states;
  for (const auto& r : policy->requests) states.emplace_back(r.get("protocol_state"));
  EXPECT_EQ(states, (std::vector<std::string>{"CONNECT", "EHLO", "MAIL", "RCPT", "RCPT", "DATA"}));
  const auto& mail = policy->requests[2];
  EXPECT_EQ(mail.get("sender"), "a@example.org");
  EXPECT_EQ(mail.get("size"), "1234");
  EXPECT_EQ(mail.get("helo_name"), "client.example");
  EXPECT_EQ(mail.get("client_address"), "192.0.2.7");
  EXPECT_EQ(mail.get("protocol_name"), "ESMTP");
  // One instance for the whole transaction, none before it.
  EXPECT_EQ(policy->requests[0].get("instance"), "");
  EXPECT_NE(mail.get("instance"), "");
  for (size_t i = 3; i < 6; ++i) EXPECT_EQ(policy->requests[i].get("instance"), mail.get("instance"));
  EXPECT_EQ(policy->requests[4].get("recipient"), "bob@example.test");
  EXPECT_EQ(policy->requests[5].get("recipient_count"), "1");
  // The queue ID exists once a recipient was accepted (Postfix opens the queue file then).
  EXPECT_EQ(policy->requests[3].get("queue_id"), "");
  EXPECT_NE(policy->requests[4].get("queue_id"), "");
  // The next transaction is another instance.
  EXPECT_EQ(say(*s, "RSET"), "250 2.0.0 Ok");
  EXPECT_EQ(say(*s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok");
  EXPECT_NE(policy->requests.back().get("instance"), mail.get("instance"));
}

}  // namespace
}  // namespace tern::server
