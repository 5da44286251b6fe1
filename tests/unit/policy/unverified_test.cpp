// reject_unverified_*: the answer per verification status, the codes and texts from the
// parameters, and polling while a probe is in progress (on the event loop, with timers).
#include "policy/unverified.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <deque>

#include "../test_params.hpp"

namespace tern::policy {
namespace {

UnverifiedSettings settings(bool sender = false) {
  UnverifiedSettings s;
  s.sender_role = sender;
  s.poll_count = 3;
  s.poll_delay = std::chrono::milliseconds(20);
  return s;
}

TEST(Unverified, ActionPerStatus) {
  auto s = settings();
  EXPECT_EQ(unverified_action(s, VerifyResult{VerifyStatus::ok, "250 Ok"}), "DUNNO");
  EXPECT_EQ(unverified_action(s, VerifyResult{VerifyStatus::undeliverable, "host x said: 550 5.1.1 no"}),
            "450 4.1.1 undeliverable address: host x said: 550 5.1.1 no");
  EXPECT_EQ(unverified_action(s, VerifyResult{VerifyStatus::pending, "Address verification in progress"}),
            "DEFER_IF_PERMIT 4.1.1 unverified address: Address verification in progress");
  EXPECT_EQ(unverified_action(s, VerifyResult{VerifyStatus::deferred, "connection refused"}),
            "DEFER_IF_PERMIT 4.1.1 unverified address: connection refused");
  EXPECT_EQ(unverified_action(s, Error{"queue link down"}), "DEFER_IF_PERMIT 4.3.0 address verification problem");
}

TEST(Unverified, CodesReasonsAndTheSenderRole) {
  config::Params p = tern::testing::test_params({{"unverified_recipient_reject_code", "550"},
                                                 {"unverified_recipient_defer_code", "451"},
                                                 {"unverified_recipient_tempfail_action", "defer"},
                                                 {"unverified_recipient_reject_reason", "Recipient address lookup failed"},
                                                 {"address_verify_poll_count", "2"}});
  auto s = UnverifiedSettings::from(p, false);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(unverified_action(*s, VerifyResult{VerifyStatus::undeliverable, "550 no"}),
            "550 5.1.1 Recipient address lookup failed");
  EXPECT_EQ(unverified_action(*s, VerifyResult{VerifyStatus::pending, "Address verification in progress"}),
            "451 4.1.1 unverified address: Address verification in progress");
  EXPECT_EQ(s->poll_count, 2);
  EXPECT_EQ(s->poll_delay, std::chrono::seconds(3));
  p.unverified_sender_tempfail_action = "defer_if_permit";
  auto snd = UnverifiedSettings::from(p, true);
  ASSERT_TRUE(snd.ok());
  EXPECT_EQ(unverified_action(*snd, VerifyResult{VerifyStatus::undeliverable, "550 no"}),
            "450 4.1.7 undeliverable address: 550 no");
  p.unverified_sender_tempfail_action = "reject";
  auto bad = UnverifiedSettings::from(p, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "unverified_sender_tempfail_action = reject: use defer or defer_if_permit");
}

// Runs one ask() with a scripted service; returns the answer and how many queries it made.
std::pair<std::string, int> ask(UnverifiedSettings s, std::deque<Result<VerifyResult>> script,
                                const PolicyRequest& req, std::chrono::milliseconds* took = nullptr) {
  asio::io_context io;
  int queries = 0;
  VerifyQuery q = [&](std::string address) -> asio::awaitable<Result<VerifyResult>> {
    EXPECT_EQ(address, std::string(req.get(s.sender_role ? "sender" : "recipient")));
    ++queries;
    auto r = script.front();
    if (script.size() > 1) script.pop_front();
    co_return r;
  };
  auto d = make_address_verifier(s, io, q);
  std::string answer;
  auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto r = co_await d->ask(req);
    answer = r ? *r : "error: " + r.error().message;
  }, asio::detached);
  io.run();
  if (took) *took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return {answer, queries};
}

PolicyRequest rcpt(std::string to) {
  PolicyRequest r;
  r.set("protocol_state", "RCPT");
  r.set("sender", "a@example.org");
  r.set("recipient", std::move(to));
  return r;
}

TEST(Unverified, PollsUntilTheProbeAnswers) {
  std::chrono::milliseconds took{};
  auto [answer, queries] = ask(settings(), {VerifyResult{VerifyStatus::pending, "Address verification in progress"},
                                            VerifyResult{VerifyStatus::undeliverable, "550 5.1.1 unknown"}},
                               rcpt("x@b.test"), &took);
  EXPECT_EQ(answer, "450 4.1.1 undeliverable address: 550 5.1.1 unknown");
  EXPECT_EQ(queries, 2);
  EXPECT_GE(took.count(), 20);
}

TEST(Unverified, GivesUpAfterPollCount) {
  auto [answer, queries] = ask(settings(), {VerifyResult{VerifyStatus::pending, "Address verification in progress"}},
                               rcpt("x@b.test"));
  EXPECT_EQ(answer, "DEFER_IF_PERMIT 4.1.1 unverified address: Address verification in progress");
  EXPECT_EQ(queries, 3);
  auto once = settings();
  once.poll_count = 1;  // Postfix's crude greylisting: no waiting
  EXPECT_EQ(ask(once, {VerifyResult{VerifyStatus::pending, "x"}}, rcpt("x@b.test")).second, 1);
}

TEST(Unverified, CachedAnswersNeedOneQuery) {
  auto [answer, queries] = ask(settings(), {VerifyResult{VerifyStatus::ok, "250 2.1.5 Ok"}}, rcpt("joe@b.test"));
  EXPECT_EQ(answer, "DUNNO");
  EXPECT_EQ(queries, 1);
  auto [failed, n] = ask(settings(), {Error{"queue service unavailable"}}, rcpt("joe@b.test"));
  EXPECT_EQ(failed, "DEFER_IF_PERMIT 4.3.0 address verification problem");
  EXPECT_EQ(n, 1);
}

TEST(Unverified, SenderRoleSkipsTheNullSender) {
  PolicyRequest req = rcpt("joe@b.test");
  req.set("sender", "");
  auto [answer, queries] = ask(settings(true), {VerifyResult{VerifyStatus::undeliverable, "x"}}, req);
  EXPECT_EQ(answer, "DUNNO");
  EXPECT_EQ(queries, 0);
  req.set("sender", "forged@a.test");
  EXPECT_EQ(ask(settings(true), {VerifyResult{VerifyStatus::undeliverable, "550 no"}}, req).first,
            "450 4.1.7 undeliverable address: 550 no");
}

}  // namespace
}  // namespace tern::policy
