// The DATA parser: dot-unstuffing, CRLF -> LF, the one true end marker, chunking, limits.
#include "smtp/data_reader.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace tern::smtp {
namespace {

struct Fed {
  std::string content;
  bool done = false;
  bool too_big = false;
  size_t consumed = 0;
};

Fed feed_all(std::string_view in, size_t max = 1 << 20) {
  DataReader r(max);
  Fed f;
  f.consumed = r.feed(in);
  f.done = r.done();
  f.too_big = r.too_big();
  f.content = r.content();
  return f;
}

Fed feed_chunks(std::string_view in, const std::vector<size_t>& cuts, size_t max = 1 << 20) {
  DataReader r(max);
  Fed f;
  size_t prev = 0;
  auto take = [&](size_t end) {
    if (r.done()) return;
    f.consumed += r.feed(in.substr(prev, end - prev));
    prev = end;
  };
  for (size_t c : cuts) take(c);
  take(in.size());
  f.done = r.done();
  f.too_big = r.too_big();
  f.content = r.content();
  return f;
}

TEST(DataReader, SimpleMessage) {
  std::string in = "Subject: hi\r\n\r\nbody line\r\n.\r\n";
  Fed f = feed_all(in);
  EXPECT_TRUE(f.done);
  EXPECT_FALSE(f.too_big);
  EXPECT_EQ(f.content, "Subject: hi\n\nbody line\n");
  EXPECT_EQ(f.consumed, in.size());
}

TEST(DataReader, RemovesDotStuffing) {
  Fed f = feed_all("..leading dot\r\n.x\r\n...\r\nno.dot.\r\n.\r\n");
  EXPECT_TRUE(f.done);
  EXPECT_EQ(f.content, ".leading dot\nx\n..\nno.dot.\n");
}

TEST(DataReader, EmptyMessage) {
  Fed f = feed_all(".\r\n");
  EXPECT_TRUE(f.done);
  EXPECT_EQ(f.content, "");
  EXPECT_EQ(f.consumed, 3u);
}

TEST(DataReader, BytesAfterTheEndMarkerAreNotConsumed) {
  std::string in = "a\r\n.\r\nQUIT\r\n";
  DataReader r(1000);
  EXPECT_EQ(r.feed(in), 6u);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.content(), "a\n");
  EXPECT_EQ(r.feed("more\r\n"), 0u);  // nothing more is taken once done
  EXPECT_EQ(r.content(), "a\n");
}

TEST(DataReader, WithoutTheEndMarkerEverythingIsConsumedAndNotDone) {
  std::string in = "a\r\nb\r\npartial";
  DataReader r(1000);
  EXPECT_EQ(r.feed(in), in.size());
  EXPECT_FALSE(r.done());
  EXPECT_EQ(r.content(), "a\nb\n");
}

// A lone "." that does not end the message was not dot-stuffed: it is kept as sent.
TEST(DataReader, BareLfDotBareLfDoesNotEnd) {
  Fed f = feed_all("a\n.\nb\r\n.\r\n");
  EXPECT_TRUE(f.done);
  EXPECT_EQ(f.content, "a\n.\nb\n");
}

TEST(DataReader, BareLfBeforeDotCrLfDoesNotEnd) {
  Fed f = feed_all("a\n.\r\nb\r\n.\r\n");
  EXPECT_TRUE(f.done);
  EXPECT_EQ(f.content, "a\n.\nb\n");
}

TEST(DataReader, CrLfDotBareLfDoesNotEnd) {
  Fed f = feed_all("a\r\n.\nstill here\r\n");
  EXPECT_FALSE(f.done);
  EXPECT_EQ(f.content, "a\n.\nstill here\n");
}

TEST(DataReader, BareCrVariantsNeverEnd) {
  for (const char* in : {"a\r.\r\nx\r\n", "a\r\n.\rx\r\n", "a\r\n.\r\r\nx\r\n", "a\r\r\n.\rx\r\n",
                         "a\r.\rx\r\n", "\r.\r\n"}) {
    Fed f = feed_all(in);
    EXPECT_FALSE(f.done) << ::testing::PrintToString(std::string(in));
    EXPECT_EQ(f.consumed, std::string_view(in).size());
  }
  EXPECT_EQ(feed_all("a\r.\r\nx\r\n").content, "a\r.\nx\n");
}

TEST(DataReader, OnlyTheRealMarkerEndsAfterSmugglingAttempts) {
  std::string in = "a\n.\nMAIL FROM:<evil>\r\n\r.\r\nb\r\n.\r\nAFTER";
  Fed f = feed_all(in);
  EXPECT_TRUE(f.done);
  EXPECT_EQ(f.consumed, in.size() - 5);
  EXPECT_EQ(f.content, "a\n.\nMAIL FROM:<evil>\n\r.\nb\n");
}

const char* kTricky =
    "From: a@b\r\n\r\n..x\r\n.\n\r\n.\r.\r\n\r\n\rline\r\nend.\r\n.y\n\r\n.\r\nTRAILER\r\n";

TEST(DataReader, EverySplitPointGivesIdenticalContent) {
  std::string in = kTricky;
  Fed whole = feed_all(in);
  ASSERT_TRUE(whole.done);
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    Fed f = feed_chunks(in, {cut});
    EXPECT_EQ(f.content, whole.content) << "cut at " << cut;
    EXPECT_TRUE(f.done) << "cut at " << cut;
    EXPECT_EQ(f.consumed, whole.consumed) << "cut at " << cut;
  }
}

TEST(DataReader, EveryPairOfSplitPointsGivesIdenticalContent) {
  std::string in = kTricky;
  Fed whole = feed_all(in);
  for (size_t a = 0; a <= in.size(); ++a)
    for (size_t b = a; b <= in.size(); ++b) {
      Fed f = feed_chunks(in, {a, b});
      ASSERT_EQ(f.content, whole.content) << a << "," << b;
      ASSERT_EQ(f.consumed, whole.consumed) << a << "," << b;
    }
}

TEST(DataReader, ByteAtATimeGivesIdenticalContent) {
  std::string in = kTricky;
  std::vector<size_t> cuts;
  for (size_t i = 1; i < in.size(); ++i) cuts.push_back(i);
  Fed f = feed_chunks(in, cuts);
  Fed whole = feed_all(in);
  EXPECT_EQ(f.content, whole.content);
  EXPECT_EQ(f.consumed, whole.consumed);
  EXPECT_TRUE(f.done);
}

TEST(DataReader, SizeLimitSetsTooBigButStillFindsTheEnd) {
  std::string in = "0123456789\r\nmore text\r\n.\r\nNEXT";
  Fed f = feed_all(in, 10);
  EXPECT_TRUE(f.too_big);
  EXPECT_TRUE(f.done);
  EXPECT_EQ(f.consumed, in.size() - 4);
  EXPECT_LE(f.content.size(), 10u);
}

TEST(DataReader, SizeIsCountedAfterUnstuffingWithLfEndings) {
  DataReader r(100);
  r.feed("ab\r\n..c\r\n.\r\n");
  EXPECT_EQ(r.size(), 6u);  // "ab\n" + ".c\n"
  EXPECT_EQ(r.content(), "ab\n.c\n");
}

TEST(DataReader, ExactlyAtTheLimitIsNotTooBig) {
  EXPECT_FALSE(feed_all("abcd\r\n.\r\n", 5).too_big);
  EXPECT_TRUE(feed_all("abcd\r\n.\r\n", 4).too_big);
}

TEST(DataReader, OverlongLineSplitAcrossFeedsStillFindsTheEnd) {
  std::string line(5000, 'x');
  DataReader r(100);
  r.feed(line.substr(0, 2000));
  r.feed(line.substr(2000));
  r.feed("\r\n.\r\n");
  EXPECT_TRUE(r.done());
  EXPECT_TRUE(r.too_big());
}

// With no size limit (message_size_limit = 0, the session passes SIZE_MAX) a line that
// arrives in two reads must be kept whole.
TEST(DataReader, UnlimitedSizeKeepsLinesSplitAcrossFeeds) {
  DataReader r(SIZE_MAX);
  r.feed("hello ");
  r.feed("world\r\n.\r\n");
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.too_big());
  EXPECT_EQ(r.content(), "hello world\n");
}

// The same bug as a smuggling vector: ".\rX" cut down to "." by the truncation, then
// "\r\n" completes a fake end marker.
TEST(DataReader, UnlimitedSizeSplitBareCrLineDoesNotEndTheMessage) {
  DataReader r(SIZE_MAX);
  r.feed("a\r\n.\rX");
  r.feed("\r\nmore\r\n.\r\n");
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.content(), "a\n\rX\nmore\n");
}

TEST(DataReader, TinyLimitSplitBareCrLineDoesNotEndTheMessage) {
  DataReader r(0);
  r.feed("a\r\n.\rX");
  r.feed("\n");
  EXPECT_FALSE(r.done());
}

}  // namespace
}  // namespace tern::smtp

namespace tern::smtp {
namespace {

// An overlong line whose CR arrives in one read and its LF in the next: the CR is cut off
// with the rest of the kept-too-long line, the line is taken as ending in a bare LF, and
// the real end marker after it is missed (found by fuzz_data_reader).
TEST(DataReader, OverlongLineWithCrAndLfInDifferentReadsStillEnds) {
  DataReader r(16);
  r.feed("this line is longer than sixteen bytes\r");
  r.feed("\n.\r\n");
  EXPECT_TRUE(r.done());
  EXPECT_TRUE(r.too_big());
}

}  // namespace
}  // namespace tern::smtp
