// Address verification records: the text form round-trips, damaged records are errors,
// and the query/result rules follow Postfix's verify(8) at chosen times.
#include "policy/verify_record.hpp"

#include <gtest/gtest.h>

namespace tern::policy {
namespace {

TEST(VerifyRecord, RoundTrips) {
  for (VerifyRecord r : {VerifyRecord{VerifyStatus::ok, 1700000000, 1699999990, "250 2.1.5 Ok"},
                         VerifyRecord{VerifyStatus::undeliverable, 5, 4, "host x said: 550 5.1.1 no such user"},
                         VerifyRecord{VerifyStatus::deferred, 7, 0, ""},
                         VerifyRecord{VerifyStatus::pending, 0, 9, std::string(kVerifyInProgress)}}) {
    auto back = parse_record(format_record(r));
    ASSERT_TRUE(back.ok()) << format_record(r) << ": " << back.error().message;
    EXPECT_EQ(*back, r);
  }
  EXPECT_EQ(format_record({VerifyStatus::ok, 10, 9, "250 Ok"}), "1 ok 10 9 250 Ok");
}

TEST(VerifyRecord, ControlCharactersInTextStayOnOneLine) {
  auto text = format_record({VerifyStatus::undeliverable, 10, 9, "bad\nline\r"});
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_TRUE(parse_record(text).ok());
}

TEST(VerifyRecord, MalformedRecordsAreErrors) {
  for (const char* bad : {"", "1", "2 ok 1 1 x", "1 fine 1 1 x", "1 ok 1", "1 ok x 1 t", "1 ok 1 -1 t",
                          "1 ok +1 1 t", "1 ok 0 1 t" /* a result without a time */,
                          "1 pending 5 1 t" /* a probe in flight with a result time */, "1 ok 1 1 a\tb",
                          "1 ok 99999999999999999999 1 t", "1  ok 1 1 t", "ok 1 1 t"}) {
    EXPECT_FALSE(parse_record(bad).ok()) << "accepted: \"" << bad << "\"";
  }
}

constexpr std::time_t T0 = 1'700'000'000;

VerifyTimes times() {
  VerifyTimes t;
  t.positive_expire = 1000 * 60;
  t.positive_refresh = 100 * 60;
  t.negative_expire = 50 * 60;
  t.negative_refresh = 10 * 60;
  t.probe_ttl = 1000;
  return t;
}

TEST(VerifyRules, UnknownAddressProbesAndStoresAPlaceholder) {
  auto a = answer_query(std::nullopt, times(), T0);
  EXPECT_EQ(a.status, VerifyStatus::pending);
  EXPECT_EQ(a.text, kVerifyInProgress);
  EXPECT_TRUE(a.send_probe);
  ASSERT_TRUE(a.store);
  EXPECT_EQ(*a.store, (VerifyRecord{VerifyStatus::pending, 0, T0, std::string(kVerifyInProgress)}));
}

TEST(VerifyRules, PlaceholderIsNotProbedAgainWithinTheProbeTtl) {
  VerifyRecord placeholder{VerifyStatus::pending, 0, T0, std::string(kVerifyInProgress)};
  auto a = answer_query(placeholder, times(), T0 + 999);
  EXPECT_EQ(a.status, VerifyStatus::pending);
  EXPECT_FALSE(a.send_probe);
  EXPECT_FALSE(a.store);
  auto later = answer_query(placeholder, times(), T0 + 1001);  // the probe got lost
  EXPECT_TRUE(later.send_probe);
  EXPECT_EQ(later.store->probed, T0 + 1001);
}

TEST(VerifyRules, FreshPositiveAnswersWithoutProbe) {
  VerifyRecord ok{VerifyStatus::ok, T0, T0 - 5, "250 2.1.5 Ok"};
  auto a = answer_query(ok, times(), T0 + 100 * 60);
  EXPECT_EQ(a.status, VerifyStatus::ok);
  EXPECT_EQ(a.text, "250 2.1.5 Ok");
  EXPECT_FALSE(a.send_probe);
}

TEST(VerifyRules, PositiveRefreshProbesButStillAnswers) {
  VerifyRecord ok{VerifyStatus::ok, T0, T0 - 5, "250 Ok"};
  auto a = answer_query(ok, times(), T0 + 100 * 60 + 1);
  EXPECT_EQ(a.status, VerifyStatus::ok);
  EXPECT_TRUE(a.send_probe);
  ASSERT_TRUE(a.store);
  EXPECT_EQ(a.store->status, VerifyStatus::ok);
  EXPECT_EQ(a.store->updated, T0);
  EXPECT_EQ(a.store->probed, T0 + 100 * 60 + 1);
  // The refresh probe went out: no second one within the probe TTL.
  auto again = answer_query(*a.store, times(), T0 + 100 * 60 + 500);
  EXPECT_EQ(again.status, VerifyStatus::ok);
  EXPECT_FALSE(again.send_probe);
}

TEST(VerifyRules, ExpiredPositiveIsUnknownAgain) {
  VerifyRecord ok{VerifyStatus::ok, T0, T0, "250 Ok"};
  auto a = answer_query(ok, times(), T0 + 1000 * 60 + 1);
  EXPECT_EQ(a.status, VerifyStatus::pending);
  EXPECT_TRUE(a.send_probe);
  EXPECT_TRUE(expired(ok, times(), T0 + 1000 * 60 + 1));
  EXPECT_FALSE(expired(ok, times(), T0 + 1000 * 60));
}

TEST(VerifyRules, NegativeResultsUseTheNegativeTimes) {
  VerifyRecord bad{VerifyStatus::undeliverable, T0, T0 - 500, "550 5.1.1 unknown user"};
  auto fresh = answer_query(bad, times(), T0 + 10 * 60);
  EXPECT_EQ(fresh.status, VerifyStatus::undeliverable);
  EXPECT_EQ(fresh.text, "550 5.1.1 unknown user");
  EXPECT_FALSE(fresh.send_probe);
  auto refresh = answer_query(bad, times(), T0 + 10 * 60 + 1);
  EXPECT_EQ(refresh.status, VerifyStatus::undeliverable);
  EXPECT_TRUE(refresh.send_probe);
  EXPECT_TRUE(expired(bad, times(), T0 + 50 * 60 + 1));
}

TEST(VerifyRules, NegativeCacheOffKeepsFailuresOnlyForThePollWindow) {
  config::Params p;
  p.address_verify_negative_cache = false;
  p.address_verify_poll_count = 3;
  p.address_verify_poll_delay = std::chrono::seconds(3);
  auto t = VerifyTimes::from(p);
  EXPECT_EQ(t.negative_expire, 9);
  EXPECT_EQ(t.negative_refresh, 9);
  EXPECT_EQ(t.positive_expire, p.address_verify_positive_expire_time.count());
  VerifyRecord bad{VerifyStatus::undeliverable, T0, T0, "550 no"};
  EXPECT_EQ(answer_query(bad, t, T0 + 9).status, VerifyStatus::undeliverable);
  EXPECT_TRUE(answer_query(bad, t, T0 + 10).send_probe);
}

TEST(VerifyRules, ResultReplacesPlaceholderAndKeepsProbeTime) {
  VerifyRecord placeholder{VerifyStatus::pending, 0, T0, std::string(kVerifyInProgress)};
  auto r = apply_result(placeholder, VerifyStatus::undeliverable, "550 5.1.1 no", times(), T0 + 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (VerifyRecord{VerifyStatus::undeliverable, T0 + 2, T0, "550 5.1.1 no"}));
  auto none = apply_result(std::nullopt, VerifyStatus::ok, "250 Ok", times(), T0);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->probed, T0);
}

TEST(VerifyRules, DeferralDoesNotClobberAFreshPositive) {
  VerifyRecord ok{VerifyStatus::ok, T0, T0, "250 Ok"};
  EXPECT_FALSE(apply_result(ok, VerifyStatus::deferred, "connection refused", times(), T0 + 60));
  // Once the positive result has expired, the deferral is recorded.
  auto r = apply_result(ok, VerifyStatus::deferred, "connection refused", times(), T0 + 1000 * 60 + 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, VerifyStatus::deferred);
  // A bounce replaces a positive result at once.
  EXPECT_TRUE(apply_result(ok, VerifyStatus::undeliverable, "550 gone", times(), T0 + 60));
}

}  // namespace
}  // namespace tern::policy
