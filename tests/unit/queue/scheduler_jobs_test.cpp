// The delivery scheduler's jobs: per-destination concurrency, recipient-limit splitting,
// round robin between destinations, throttling a failed destination (take_throttled) and
// finished() giving slots back. Pure, no clock: every call gets its `now`.
#include "queue/scheduler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tern::queue {
namespace {

SchedulerLimits limits(size_t concurrency, size_t recipients, double dead_time = 60) {
  SchedulerLimits l;
  l.default_concurrency = concurrency;
  l.default_recipients = recipients;
  l.dead_time = dead_time;
  return l;
}

std::vector<size_t> indices(size_t n) {
  std::vector<size_t> v;
  for (size_t i = 0; i < n; ++i) v.push_back(i);
  return v;
}

// Takes every job that may run now (without finishing any).
std::vector<Job> drain(Scheduler& s, double now) {
  std::vector<Job> out;
  while (auto j = s.next(now)) out.push_back(std::move(*j));
  return out;
}

std::vector<std::string> destinations(const std::vector<Job>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) out.push_back(j.destination);
  return out;
}

// ---- limits ----------------------------------------------------------------------------

TEST(SchedulerLimitsFor, TransportValueElseDefaultNeverZero) {
  SchedulerLimits l = limits(20, 50);
  l.concurrency["local"] = 2;
  l.recipients["local"] = 1;
  l.concurrency["relay"] = 0;
  l.recipients["relay"] = 0;
  EXPECT_EQ(l.concurrency_for("local"), 2u);
  EXPECT_EQ(l.recipients_for("local"), 1u);
  EXPECT_EQ(l.concurrency_for("smtp"), 20u);
  EXPECT_EQ(l.recipients_for("smtp"), 50u);
  EXPECT_EQ(l.concurrency_for("relay"), 1u);
  EXPECT_EQ(l.recipients_for("relay"), 1u);
}

// ---- recipient limits ----------------------------------------------------------------

TEST(SchedulerJobs, RecipientLimitSplitsInOrder) {
  Scheduler s(limits(10, 3));
  s.add(7, "smtp", "example.org", "smtp:example.org", indices(8));
  EXPECT_EQ(s.waiting(), 3u);
  auto jobs = drain(s, 0);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].recipients, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(jobs[1].recipients, (std::vector<size_t>{3, 4, 5}));
  EXPECT_EQ(jobs[2].recipients, (std::vector<size_t>{6, 7}));
  for (const auto& j : jobs) {
    EXPECT_EQ(j.message, 7u);
    EXPECT_EQ(j.transport, "smtp");
    EXPECT_EQ(j.destination, "smtp:example.org");
  }
  EXPECT_EQ(s.running(), 3u);
  EXPECT_EQ(s.waiting(), 0u);
}

TEST(SchedulerJobs, PerTransportRecipientLimitOverridesDefault) {
  SchedulerLimits l = limits(10, 50);
  l.recipients["local"] = 1;
  Scheduler s(l);
  s.add(1, "local", "alice", "local:alice", {4, 5});
  s.add(1, "smtp", "example.org", "smtp:example.org", indices(5));
  auto jobs = drain(s, 0);
  ASSERT_EQ(jobs.size(), 3u);
  size_t local_jobs = 0;
  for (const auto& j : jobs) {
    if (j.transport == "local") {
      ++local_jobs;
      EXPECT_EQ(j.recipients.size(), 1u);
    } else {
      EXPECT_EQ(j.recipients, indices(5));
    }
  }
  EXPECT_EQ(local_jobs, 2u);
}

TEST(SchedulerJobs, ExactMultipleOfTheLimitMakesNoEmptyJob) {
  Scheduler s(limits(10, 2));
  s.add(1, "smtp", "a", "smtp:a", indices(4));
  auto jobs = drain(s, 0);
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& j : jobs) EXPECT_EQ(j.recipients.size(), 2u);
}

TEST(SchedulerJobs, NoRecipientsNoJob) {
  Scheduler s(limits(10, 2));
  s.add(1, "smtp", "a", "smtp:a", {});
  EXPECT_EQ(s.waiting(), 0u);
  EXPECT_FALSE(s.next(0).has_value());
}

// ---- concurrency ---------------------------------------------------------------------

TEST(SchedulerJobs, PerDestinationConcurrencyIsRespected) {
  SchedulerLimits l = limits(20, 1);
  l.concurrency["local"] = 2;
  Scheduler s(l);
  for (uint64_t m = 1; m <= 5; ++m) s.add(m, "local", "alice", "local:alice", {0});
  auto first = drain(s, 0);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].message, 1u);
  EXPECT_EQ(first[1].message, 2u);
  EXPECT_EQ(s.running(), 2u);
  EXPECT_EQ(s.waiting(), 3u);
  EXPECT_FALSE(s.next(0).has_value());
}

TEST(SchedulerJobs, TakeMoreJoinsWaitingJobsOfTheSameDestinationToARun) {
  SchedulerLimits l = limits(20, 1);
  l.concurrency["local"] = 2;
  Scheduler s(l);
  for (uint64_t m = 1; m <= 5; ++m) s.add(m, "local", "", "local:alice", {0});
  s.add(9, "local", "", "local:bob", {0});
  auto a = s.next(0);
  ASSERT_TRUE(a);
  auto more = s.take_more(*a, 3);
  ASSERT_EQ(more.size(), 3u);  // alice's next three, none of bob's
  EXPECT_EQ(more[0].message, 2u);
  EXPECT_EQ(more[2].message, 4u);
  EXPECT_EQ(s.running(), 1u);  // the run holds one slot
  auto rest = drain(s, 0);
  ASSERT_EQ(rest.size(), 2u);  // alice's fifth (her second slot) and bob's
  s.finished(*a, false, 1);
  for (const auto& j : rest) s.finished(j, false, 1);
  EXPECT_EQ(s.running(), 0u);
  EXPECT_EQ(s.waiting(), 0u);
  EXPECT_TRUE(s.take_more(*a, 3).empty());
  EXPECT_FALSE(s.next(1).has_value());
}

TEST(SchedulerJobs, AOneAtATimeTransportRunsOneJobPerDestination) {
  SchedulerLimits l = limits(20, 1);
  l.concurrency["local"] = 2;
  l.one_at_a_time.insert("local");
  Scheduler s(l);
  for (uint64_t m = 1; m <= 3; ++m) s.add(m, "local", "", "local:alice", {0});
  s.add(9, "local", "", "local:bob", {0});
  auto first = drain(s, 0);
  ASSERT_EQ(first.size(), 2u);  // one for alice, one for bob
  EXPECT_EQ(destinations(first), (std::vector<std::string>{"local:alice", "local:bob"}));
  s.finished(first[0], false, 1);
  auto next = s.next(1);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->message, 2u);
  EXPECT_EQ(l.concurrency_for("local"), 1u);
  EXPECT_EQ(l.concurrency_for("smtp"), 20u);
}

TEST(SchedulerJobs, FinishedFreesASlot) {
  SchedulerLimits l = limits(1, 1);
  Scheduler s(l);
  for (uint64_t m = 1; m <= 3; ++m) s.add(m, "smtp", "example.org", "smtp:example.org", {0});
  auto a = s.next(0);
  ASSERT_TRUE(a);
  EXPECT_FALSE(s.next(0).has_value());
  s.finished(*a, false, 1);
  EXPECT_EQ(s.running(), 0u);
  auto b = s.next(1);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->message, 2u);
  EXPECT_FALSE(s.next(1).has_value());
  s.finished(*b, false, 2);
  auto c = s.next(2);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->message, 3u);
  s.finished(*c, false, 3);
  EXPECT_EQ(s.running(), 0u);
  EXPECT_EQ(s.waiting(), 0u);
  EXPECT_FALSE(s.next(3).has_value());
}

TEST(SchedulerJobs, ConcurrencyIsPerDestinationNotPerTransport) {
  Scheduler s(limits(1, 10));
  s.add(1, "smtp", "a.example", "smtp:a.example", {0});
  s.add(2, "smtp", "a.example", "smtp:a.example", {0});
  s.add(3, "smtp", "b.example", "smtp:b.example", {0});
  s.add(4, "smtp", "b.example", "smtp:b.example", {0});
  auto jobs = drain(s, 0);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(destinations(jobs), (std::vector<std::string>{"smtp:a.example", "smtp:b.example"}));
}

// ---- fairness ------------------------------------------------------------------------

TEST(SchedulerJobs, RoundRobinBetweenTwoDestinations) {
  Scheduler s(limits(100, 1));
  // A busy destination queued first must not starve a quiet one queued after it.
  for (uint64_t m = 1; m <= 6; ++m) s.add(m, "smtp", "busy.example", "smtp:busy.example", {0});
  s.add(10, "smtp", "quiet.example", "smtp:quiet.example", {0, 1});
  auto jobs = drain(s, 0);
  EXPECT_EQ(destinations(jobs),
            (std::vector<std::string>{"smtp:busy.example", "smtp:quiet.example", "smtp:busy.example",
                                      "smtp:quiet.example", "smtp:busy.example", "smtp:busy.example",
                                      "smtp:busy.example", "smtp:busy.example"}));
}

TEST(SchedulerJobs, RoundRobinSkipsADestinationAtItsLimit) {
  Scheduler s(limits(1, 1));
  s.add(1, "smtp", "a", "smtp:a", {0, 1, 2});
  s.add(2, "smtp", "b", "smtp:b", {0, 1, 2});
  auto a1 = s.next(0);
  auto b1 = s.next(0);
  ASSERT_TRUE(a1 && b1);
  EXPECT_EQ(a1->destination, "smtp:a");
  EXPECT_EQ(b1->destination, "smtp:b");
  EXPECT_FALSE(s.next(0).has_value());
  // Only a is free again: a runs although it is b's turn (b is at its limit).
  s.finished(*a1, false, 0);
  auto a2 = s.next(0);
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2->destination, "smtp:a");
  EXPECT_FALSE(s.next(0).has_value());
  // Both free: turns alternate again.
  s.finished(*a2, false, 0);
  s.finished(*b1, false, 0);
  auto x = s.next(0), y = s.next(0);
  ASSERT_TRUE(x && y);
  EXPECT_NE(x->destination, y->destination);
}

TEST(SchedulerJobs, NewDestinationJoinsTheRotation) {
  Scheduler s(limits(100, 1));
  s.add(1, "smtp", "a", "smtp:a", {0, 1, 2, 3});
  auto first = s.next(0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->destination, "smtp:a");
  s.add(2, "smtp", "b", "smtp:b", {0, 1});
  auto rest = drain(s, 0);
  EXPECT_EQ(destinations(rest), (std::vector<std::string>{"smtp:a", "smtp:b", "smtp:a", "smtp:b", "smtp:a"}));
}

// ---- throttling ------------------------------------------------------------------------

TEST(SchedulerJobs, FailedDestinationIsThrottledAndItsJobsHandedBack) {
  Scheduler s(limits(1, 1, 60));
  for (uint64_t m = 1; m <= 3; ++m) s.add(m, "smtp", "dead.example", "smtp:dead.example", {0});
  s.add(9, "smtp", "alive.example", "smtp:alive.example", {0});
  auto d1 = s.next(100);
  ASSERT_TRUE(d1);
  EXPECT_EQ(d1->destination, "smtp:dead.example");
  s.finished(*d1, true, 100);
  EXPECT_TRUE(s.throttled("smtp:dead.example", 100));
  EXPECT_TRUE(s.throttled("smtp:dead.example", 159.9));
  EXPECT_FALSE(s.throttled("smtp:dead.example", 160));
  EXPECT_FALSE(s.throttled("smtp:alive.example", 100));
  // The throttled destination's waiting jobs come back to be deferred without trying…
  auto back = s.take_throttled(100);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].message, 2u);
  EXPECT_EQ(back[1].message, 3u);
  for (const auto& j : back) EXPECT_EQ(j.destination, "smtp:dead.example");
  EXPECT_TRUE(s.take_throttled(100).empty());
  // …while other destinations go on.
  auto a = s.next(100);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->destination, "smtp:alive.example");
  EXPECT_FALSE(s.next(100).has_value());
  EXPECT_EQ(s.waiting(), 0u);
}

TEST(SchedulerJobs, FlushRevivesThrottledDestinations) {
  Scheduler s(limits(1, 1, 60));
  s.add(1, "smtp", "dead.example", "smtp:dead.example", {0});
  auto j = s.next(100);
  ASSERT_TRUE(j);
  s.finished(*j, true, 100);
  s.add(2, "smtp", "dead.example", "smtp:dead.example", {0});
  EXPECT_TRUE(s.throttled("smtp:dead.example", 110));
  EXPECT_FALSE(s.next(110).has_value());
  s.revive_all();  // postqueue -f
  EXPECT_FALSE(s.throttled("smtp:dead.example", 110));
  auto again = s.next(110);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->message, 2u);
}

TEST(SchedulerJobs, ThrottledDestinationIsNotScheduledUntilDeadTimeEnds) {
  Scheduler s(limits(5, 1, 30));
  s.add(1, "smtp", "x", "smtp:x", {0});
  auto j = s.next(0);
  ASSERT_TRUE(j);
  s.finished(*j, true, 0);
  s.add(2, "smtp", "x", "smtp:x", {0});
  EXPECT_FALSE(s.next(10).has_value());
  EXPECT_FALSE(s.next(29.9).has_value());
  EXPECT_EQ(s.waiting(), 1u);
  auto later = s.next(30);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->message, 2u);
  // After dead time, take_throttled hands back nothing.
  s.add(3, "smtp", "x", "smtp:x", {0});
  EXPECT_TRUE(s.take_throttled(30).empty());
}

TEST(SchedulerJobs, SuccessDoesNotThrottle) {
  Scheduler s(limits(1, 1));
  s.add(1, "smtp", "x", "smtp:x", {0});
  s.add(2, "smtp", "x", "smtp:x", {0});
  auto j = s.next(0);
  s.finished(*j, false, 0);
  EXPECT_FALSE(s.throttled("smtp:x", 0));
  EXPECT_TRUE(s.take_throttled(0).empty());
  EXPECT_TRUE(s.next(0).has_value());
}

TEST(SchedulerJobs, FinishedForAnUnknownDestinationIsHarmless) {
  Scheduler s(limits(1, 1));
  Job stray{1, "smtp:nowhere", "smtp", {0}};
  s.finished(stray, true, 0);
  EXPECT_EQ(s.running(), 0u);
  s.add(2, "smtp", "x", "smtp:x", {0});
  EXPECT_TRUE(s.next(0).has_value());
}

// A destination that was throttled and had its waiting jobs taken, then got new mail,
// must get one turn per round like every other destination, not two (take_throttled
// empties its queue but leaves its place in the rotation; add() then gives it another).
TEST(SchedulerJobs, RoundRobinStaysFairAfterAThrottledDestinationRecovers) {
  Scheduler s(limits(100, 1, 10));
  s.add(1, "smtp", "x", "smtp:x", {0, 1});
  auto j = s.next(0);
  ASSERT_TRUE(j);
  s.finished(*j, true, 0);
  ASSERT_EQ(s.take_throttled(0).size(), 1u);
  s.add(2, "smtp", "x", "smtp:x", {0, 1, 2});
  s.add(3, "smtp", "y", "smtp:y", {0, 1, 2});
  auto jobs = drain(s, 100);
  EXPECT_EQ(destinations(jobs),
            (std::vector<std::string>{"smtp:x", "smtp:y", "smtp:x", "smtp:y", "smtp:x", "smtp:y"}));
}

}  // namespace
}  // namespace tern::queue
