// The greylist state machine with a fake clock: first sight, too early, after the delay,
// after the retry window, max_age expiry, auto-whitelisting, and the record format.
#include "policy/greylist_state.hpp"

#include <gtest/gtest.h>

namespace tern::policy {
namespace {

GreylistTiming timing() {
  GreylistTiming t;
  t.delay = 300;
  t.max_age = 35 * 86400;
  t.retry_window = 2 * 86400;
  t.auto_whitelist = 3;
  return t;
}

// A triplet's life: each attempt stores what step_triplet says, as the store does.
struct Triplet {
  GreylistTiming t = timing();
  std::optional<TripletRecord> rec;
  std::optional<ClientRecord> client;
  TripletStep at(long long now) {
    TripletStep s = step_triplet(rec, client, now, t);
    rec = s.store;
    if (s.client) client = s.client;
    return s;
  }
};

TEST(GreylistState, FirstSightIsGreylistedForTheWholeDelay) {
  Triplet tr;
  TripletStep s = tr.at(1000);
  EXPECT_EQ(s.outcome, TripletOutcome::greylisted);
  EXPECT_FALSE(s.early_retry);
  EXPECT_EQ(s.seconds, 300);
  EXPECT_EQ(s.store, (TripletRecord{1000, 1000}));
  EXPECT_FALSE(s.client);
}

TEST(GreylistState, TooEarlyRetryKeepsFirstSeenAndCountsDown) {
  Triplet tr;
  tr.at(1000);
  TripletStep s = tr.at(1299);
  EXPECT_EQ(s.outcome, TripletOutcome::greylisted);
  EXPECT_TRUE(s.early_retry);
  EXPECT_EQ(s.seconds, 1);
  EXPECT_EQ(s.store, (TripletRecord{1000, 1299}));
}

TEST(GreylistState, AfterTheDelayPassesOnceWithTheWaitThenPlainly) {
  Triplet tr;
  tr.at(1000);
  TripletStep s = tr.at(1300);
  EXPECT_EQ(s.outcome, TripletOutcome::passed_after_delay);
  EXPECT_EQ(s.seconds, 300);
  EXPECT_EQ(s.store, (TripletRecord{1000, 1300}));
  EXPECT_TRUE(has_passed(s.store, tr.t));
  s = tr.at(5000);
  EXPECT_EQ(s.outcome, TripletOutcome::passed);
  EXPECT_EQ(s.store, (TripletRecord{1000, 5000}));
}

TEST(GreylistState, RetryAfterTheWindowStartsOver) {
  Triplet tr;
  tr.at(1000);
  TripletStep s = tr.at(1000 + 2 * 86400 + 1);
  EXPECT_EQ(s.outcome, TripletOutcome::greylisted);
  EXPECT_FALSE(s.early_retry);
  EXPECT_EQ(s.seconds, 300);
  // At exactly the window's end the first attempt still counts.
  Triplet edge;
  edge.at(1000);
  EXPECT_EQ(edge.at(1000 + 2 * 86400).outcome, TripletOutcome::passed_after_delay);
}

TEST(GreylistState, PassedTripletForgottenAfterMaxAge) {
  Triplet tr;
  tr.at(1000);
  tr.at(1400);
  long long later = 1400 + 35 * 86400;
  EXPECT_EQ(tr.at(later).outcome, TripletOutcome::passed);  // exactly max_age: still known
  TripletStep s = tr.at(later + 35 * 86400 + 1);
  EXPECT_EQ(s.outcome, TripletOutcome::greylisted);
  EXPECT_FALSE(s.early_retry);
}

TEST(GreylistState, ClockGoingBackRestartsTheTriplet) {
  Triplet tr;
  tr.at(5000);
  TripletStep s = tr.at(4000);
  EXPECT_EQ(s.outcome, TripletOutcome::greylisted);
  EXPECT_EQ(s.seconds, 300);
  EXPECT_EQ(s.store, (TripletRecord{4000, 4000}));
}

TEST(GreylistState, ExpiryRules) {
  GreylistTiming t = timing();
  TripletRecord waiting{1000, 1100}, passed{1000, 1300};
  EXPECT_FALSE(is_expired(waiting, 1100 + 2 * 86400, t));
  EXPECT_TRUE(is_expired(waiting, 1100 + 2 * 86400 + 1, t));
  EXPECT_FALSE(is_expired(passed, 1300 + 35 * 86400, t));
  EXPECT_TRUE(is_expired(passed, 1300 + 35 * 86400 + 1, t));
  EXPECT_TRUE(is_expired(ClientRecord{9, 0}, 35 * 86400 + 1, t));
  EXPECT_FALSE(is_expired(ClientRecord{9, 0}, 35 * 86400, t));
}

TEST(GreylistState, AutoWhitelistCountsOnePassPerHour) {
  GreylistTiming t = timing();  // threshold 3
  std::optional<ClientRecord> client;
  long long now = 10000;
  // Three triplets of one client pass after their delay, an hour and more apart.
  for (int i = 0; i < 3; ++i, now += 3600) {
    EXPECT_FALSE(check_client(client, now, t).whitelisted);
    TripletStep first = step_triplet(std::nullopt, client, now - 300, t);
    TripletStep s = step_triplet(first.store, client, now, t);
    ASSERT_EQ(s.outcome, TripletOutcome::passed_after_delay);
    ASSERT_TRUE(s.client);
    EXPECT_EQ(s.client->count, i + 1);
    EXPECT_EQ(s.client_whitelisted_now, i == 2);
    client = s.client;
  }
  ClientCheck c = check_client(client, now, t);
  EXPECT_TRUE(c.whitelisted);
  ASSERT_TRUE(c.store);  // an hour on: last seen refreshed, counted
  EXPECT_EQ(*c.store, (ClientRecord{4, now}));
  EXPECT_FALSE(check_client(c.store, now + 10, t).store);  // within the hour: nothing to write
  // Gone for max_age: greylisted again like any new client.
  EXPECT_FALSE(check_client(c.store, now + 35 * 86400 + 1, t).whitelisted);
}

TEST(GreylistState, AutoWhitelistIgnoresPassesWithinTheHour) {
  GreylistTiming t = timing();
  std::optional<ClientRecord> client = ClientRecord{1, 10000};
  TripletStep first = step_triplet(std::nullopt, client, 10000, t);
  TripletStep s = step_triplet(first.store, client, 10300, t);
  EXPECT_EQ(s.outcome, TripletOutcome::passed_after_delay);
  EXPECT_FALSE(s.client);  // 300 s after the last counted pass: not counted
}

TEST(GreylistState, AutoWhitelistOff) {
  GreylistTiming t = timing();
  t.auto_whitelist = 0;
  TripletStep first = step_triplet(std::nullopt, std::nullopt, 10000, t);
  EXPECT_FALSE(step_triplet(first.store, std::nullopt, 10300, t).client);
  EXPECT_FALSE(check_client(ClientRecord{100, 10000}, 10001, t).whitelisted);
}

TEST(GreylistState, RecordsRoundTripAndRejectJunk) {
  EXPECT_EQ(encode(TripletRecord{12, 34}), "12,34");
  EXPECT_EQ(decode_triplet("12,34"), (TripletRecord{12, 34}));
  EXPECT_EQ(decode_client(encode(ClientRecord{5, 99})), (ClientRecord{5, 99}));
  for (std::string_view bad : {"", ",", "12", "12,", ",34", "a,b", "12,34,56", "-1,2", " 1,2", "1,2 "})
    EXPECT_FALSE(decode_triplet(bad)) << bad;
}

}  // namespace
}  // namespace tern::policy
