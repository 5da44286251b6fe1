// Queue IDs: format, uniqueness, time order, and the seconds they encode.
#include "base/queue_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tern {
namespace {

TEST(QueueId, GeneratedIdsAreValid) {
  std::string id = make_queue_id();
  EXPECT_TRUE(is_valid_queue_id(id)) << id;
  EXPECT_EQ(id[10], 'z');
}

TEST(QueueId, TenThousandCallsGiveTenThousandDistinctIds) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(make_queue_id());
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(QueueId, DeterministicFormat) {
  EXPECT_EQ(make_queue_id(0, 0, 0, 0), "0000000000z0");
  // 51 s -> "000010", 1 us -> "0001", (1 << 16 | 2) = 65538 = 25*51^2 + 10*51 + 3 -> "TB3".
  EXPECT_EQ(make_queue_id(51, 1, 1, 2), "0000100001zTB3");
}

TEST(QueueId, LexicalOrderFollowsTime) {
  struct T {
    long long sec;
    long usec;
  } times[] = {{1000000000, 0},      {1000000000, 1},      {1000000000, 999999},
               {1000000001, 0},      {1763775245, 123456}, {1763775245, 123457},
               {1763775246, 5},      {4102444800, 0}};
  std::string prev;
  for (size_t i = 0; i < std::size(times); ++i) {
    // Large pid and counter on the earlier one: the time part alone decides.
    std::string id = make_queue_id(times[i].sec, times[i].usec, i % 2 ? 4194303 : 1,
                                   i % 2 ? 65535 : 0);
    EXPECT_TRUE(is_valid_queue_id(id)) << id;
    if (!prev.empty()) EXPECT_LT(prev, id) << "at " << i;
    prev = id;
  }
}

TEST(QueueId, SecondsRoundTrip) {
  for (long long s : {0LL, 1LL, 50LL, 51LL, 1763775245LL, 4102444800LL}) {
    std::string id = make_queue_id(s, 777, 4242, 9);
    EXPECT_EQ(queue_id_seconds(id), s) << id;
  }
}

TEST(QueueId, CounterAndPidDistinguishIdsOfTheSameMicrosecond) {
  EXPECT_NE(make_queue_id(5, 5, 100, 1), make_queue_id(5, 5, 100, 2));
  EXPECT_NE(make_queue_id(5, 5, 100, 1), make_queue_id(5, 5, 101, 1));
}

TEST(QueueId, RejectsMalformedIds) {
  EXPECT_FALSE(is_valid_queue_id(""));
  EXPECT_FALSE(is_valid_queue_id("0000000000z"));        // nothing after the 'z'
  EXPECT_FALSE(is_valid_queue_id("00000000000"));        // too short
  EXPECT_FALSE(is_valid_queue_id("0000000000x0"));       // no 'z' separator
  EXPECT_FALSE(is_valid_queue_id("00000a0000z0"));       // vowel: not in the alphabet
  EXPECT_FALSE(is_valid_queue_id("0000000000zz"));       // 'z' only as the separator
  EXPECT_FALSE(is_valid_queue_id("0000000000z/"));       // unsafe in file names
  EXPECT_FALSE(is_valid_queue_id("../../etc/pa"));
  EXPECT_FALSE(is_valid_queue_id("0000000000z0123456789BCDF"));  // 25 chars: too long
  EXPECT_TRUE(is_valid_queue_id("0000000000z0123456789BCD"));    // 24 chars
}

TEST(QueueId, SecondsOfMalformedIdIsMinusOne) {
  EXPECT_EQ(queue_id_seconds("garbage"), -1);
  EXPECT_EQ(queue_id_seconds(""), -1);
}

}  // namespace
}  // namespace tern
