// The in-memory Store (the FileStore's contract without the disk) and retry arithmetic.
#include "queue/store.hpp"

#include <gtest/gtest.h>

#include "base/queue_id.hpp"
#include "queue/scheduler.hpp"

namespace tern::queue {
namespace {

Message msg(unsigned n) {
  Message m;
  m.envelope.queue_id = make_queue_id(1700000000 + n, 0, 1, n);
  m.envelope.arrival = 1700000000 + n;
  m.envelope.sender = "s@example.org";
  m.envelope.recipients = {Recipient{"a@example.test"}, Recipient{"b@example.test"}};
  m.content = "Subject: " + std::to_string(n) + "\n\nbody\n";
  return m;
}

std::vector<Status> commit(Store& s, std::initializer_list<const Message*> ms) {
  std::vector<const Message*> v(ms);
  return s.commit(v);
}

TEST(MemoryStore, CommitPutsMessagesInActive) {
  auto s = make_memory_store();
  Message a = msg(1), b = msg(2);
  auto st = commit(*s, {&a, &b});
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0].ok());
  EXPECT_TRUE(st[1].ok());
  auto active = s->list(QueueName::active);
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].size, (long long)encode_queue_file(active[0].id == a.envelope.queue_id ? a : b).size());
  EXPECT_TRUE(s->list(QueueName::deferred).empty());
  ParsedFile pf = s->load(a.envelope.queue_id, QueueName::active);
  ASSERT_EQ(pf.status, ParseStatus::ok) << pf.error;
  EXPECT_EQ(pf.message.content, a.content);
}

TEST(MemoryStore, DuplicateIdIsRefused) {
  auto s = make_memory_store();
  Message a = msg(1);
  ASSERT_TRUE(commit(*s, {&a})[0].ok());
  auto st = commit(*s, {&a});
  ASSERT_FALSE(st[0].ok());
  EXPECT_EQ(st[0].error().message, "duplicate queue id " + a.envelope.queue_id);
}

TEST(MemoryStore, RecordedOutcomesShowOnLoad) {
  auto s = make_memory_store();
  Message a = msg(1);
  ASSERT_TRUE(commit(*s, {&a})[0].ok());
  ASSERT_TRUE(s->record_outcome(a.envelope.queue_id, QueueName::active, 1, RcptState::deferred,
                                1700000100, "try later").ok());
  ParsedFile pf = s->load(a.envelope.queue_id, QueueName::active);
  ASSERT_EQ(pf.status, ParseStatus::ok);
  EXPECT_EQ(pf.message.envelope.recipients[0].state, RcptState::pending);
  EXPECT_EQ(pf.message.envelope.recipients[1].state, RcptState::deferred);
  EXPECT_EQ(pf.message.envelope.recipients[1].reason, "try later");
}

TEST(MemoryStore, MoveChangesQueueAndKeepsNextAttempt) {
  auto s = make_memory_store();
  Message a = msg(1), b = msg(2);
  commit(*s, {&a, &b});
  ASSERT_TRUE(s->move(a.envelope.queue_id, QueueName::active, QueueName::deferred, 1700009999).ok());
  auto deferred = s->list(QueueName::deferred);
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_EQ(deferred[0].id, a.envelope.queue_id);
  EXPECT_EQ(deferred[0].queue, QueueName::deferred);
  EXPECT_EQ(deferred[0].next_attempt, 1700009999);
  EXPECT_EQ(s->list(QueueName::active).size(), 1u);
  EXPECT_EQ(s->load(a.envelope.queue_id, QueueName::deferred).status, ParseStatus::ok);
  EXPECT_EQ(s->load(a.envelope.queue_id, QueueName::active).status, ParseStatus::malformed);
}

TEST(MemoryStore, RemoveDeletes) {
  auto s = make_memory_store();
  Message a = msg(1);
  commit(*s, {&a});
  ASSERT_TRUE(s->remove(a.envelope.queue_id, QueueName::active).ok());
  EXPECT_TRUE(s->list(QueueName::active).empty());
  EXPECT_TRUE(s->remove(a.envelope.queue_id, QueueName::active).ok());  // idempotent
}

TEST(MemoryStore, OperationsOnMissingFilesFail) {
  auto s = make_memory_store();
  EXPECT_EQ(s->record_outcome("0000000000z1", QueueName::active, 0, RcptState::done, 1, "")
                .error().message, "0000000000z1: no such queue file");
  EXPECT_EQ(s->move("0000000000z1", QueueName::active, QueueName::hold).error().message,
            "0000000000z1: no such queue file");
  ParsedFile pf = s->load("0000000000z1", QueueName::hold);
  EXPECT_EQ(pf.status, ParseStatus::malformed);
  EXPECT_EQ(pf.error, "0000000000z1: no such queue file");
}

TEST(QueueDirName, Names) {
  EXPECT_EQ(queue_dir_name(QueueName::incoming), "incoming");
  EXPECT_EQ(queue_dir_name(QueueName::active), "active");
  EXPECT_EQ(queue_dir_name(QueueName::deferred), "deferred");
  EXPECT_EQ(queue_dir_name(QueueName::hold), "hold");
  EXPECT_EQ(queue_dir_name(QueueName::corrupt), "corrupt");
}

TEST(NextAttempt, YoungMessageWaitsTheMinimalBackoff) {
  EXPECT_DOUBLE_EQ(next_attempt(1000, 1010, Backoff{300, 4000}), 1310);
}

TEST(NextAttempt, WaitsAsLongAsTheMessageIsOld) {
  EXPECT_DOUBLE_EQ(next_attempt(1000, 3000, Backoff{300, 4000}), 5000);
}

TEST(NextAttempt, OldMessageWaitsTheMaximalBackoff) {
  EXPECT_DOUBLE_EQ(next_attempt(1000, 100000, Backoff{300, 4000}), 104000);
}

TEST(NextAttempt, MaximalBelowMinimalUsesMinimal) {
  EXPECT_DOUBLE_EQ(next_attempt(0, 100000, Backoff{300, 100}), 100300);
}

TEST(NextAttempt, ClockBeforeArrivalStillWaitsTheMinimum) {
  EXPECT_DOUBLE_EQ(next_attempt(5000, 1000, Backoff{300, 4000}), 1300);
}

}  // namespace
}  // namespace tern::queue
