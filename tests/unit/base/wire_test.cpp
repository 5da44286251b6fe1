// Record framing: Writer/Reader round trip, strict finish(), incremental FrameParser.
#include "base/wire.hpp"

#include <gtest/gtest.h>

namespace tern::wire {
namespace {

TEST(Wire, WriterReaderRoundTrip) {
  Writer w;
  w.u8(0xab);
  w.u32(0xdeadbeef);
  w.u64(0x0123456789abcdefULL);
  w.f64(1763775245.25);
  w.str("hello");
  w.str("");
  w.str(std::string("a\0b", 3));
  Reader r(w.payload());
  EXPECT_EQ(r.u8(), 0xab);
  EXPECT_EQ(r.u32(), 0xdeadbeefu);
  EXPECT_EQ(r.u64(), 0x0123456789abcdefULL);
  EXPECT_EQ(r.f64(), 1763775245.25);
  EXPECT_EQ(r.str(), "hello");
  EXPECT_EQ(r.str(), "");
  EXPECT_EQ(r.str(), std::string("a\0b", 3));
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.finish());
}

TEST(Wire, IntegersAreLittleEndian) {
  Writer w;
  w.u32(0x01020304);
  EXPECT_EQ(w.payload(), std::string("\x04\x03\x02\x01", 4));
}

TEST(Wire, FrameLayout) {
  Writer w;
  w.u8(7);
  EXPECT_EQ(w.frame(3, 1), std::string("\x05\x00\x00\x00\x03\x00\x01\x00\x07", 9));
}

TEST(Wire, FinishIsFalseOnLeftoverBytes) {
  Writer w;
  w.u32(1);
  w.u8(2);
  Reader r(w.payload());
  EXPECT_EQ(r.u32(), 1u);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.finish());
}

TEST(Wire, TruncatedReadsFailAndStayFailed) {
  Reader r(std::string_view("\x01\x02", 2));
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0);  // even though a byte is there: the reader is poisoned
  EXPECT_FALSE(r.finish());
}

TEST(Wire, StringLongerThanThePayloadFails) {
  Writer w;
  w.u32(100);
  w.u8('x');
  Reader r(w.payload());
  EXPECT_EQ(r.str(), "");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.finish());
}

std::string two_frames() {
  Writer a, b;
  a.str("first");
  b.u64(42);
  return a.frame(1, 1) + b.frame(2, 7);
}

TEST(FrameParser, ParsesFramesFedAtOnce) {
  FrameParser p;
  p.feed(two_frames());
  auto f1 = p.next();
  ASSERT_TRUE(f1.has_value());
  EXPECT_EQ(f1->type, 1);
  EXPECT_EQ(f1->version, 1);
  Reader r1(f1->payload);
  EXPECT_EQ(r1.str(), "first");
  EXPECT_TRUE(r1.finish());
  auto f2 = p.next();
  ASSERT_TRUE(f2.has_value());
  EXPECT_EQ(f2->type, 2);
  EXPECT_EQ(f2->version, 7);
  EXPECT_EQ(f2->payload.size(), 8u);
  EXPECT_FALSE(p.next().has_value());
  EXPECT_FALSE(p.error());
}

TEST(FrameParser, SameFramesWhenFedOneByteAtATime) {
  std::string all = two_frames();
  FrameParser p;
  std::vector<Frame> got;
  for (char c : all) {
    p.feed(std::string_view(&c, 1));
    while (auto f = p.next()) got.push_back(*f);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, 1);
  EXPECT_EQ(got[1].type, 2);
  EXPECT_FALSE(p.error());
}

TEST(FrameParser, SameFramesAtEverySplitPoint) {
  std::string all = two_frames();
  for (size_t cut = 0; cut <= all.size(); ++cut) {
    FrameParser p;
    std::vector<Frame> got;
    p.feed(std::string_view(all).substr(0, cut));
    while (auto f = p.next()) got.push_back(*f);
    p.feed(std::string_view(all).substr(cut));
    while (auto f = p.next()) got.push_back(*f);
    ASSERT_EQ(got.size(), 2u) << cut;
    Writer first;
    first.str("first");
    EXPECT_EQ(got[0].payload, first.payload()) << cut;
    EXPECT_EQ(got[1].version, 7) << cut;
  }
}

TEST(FrameParser, OversizedLengthIsAnError) {
  FrameParser p;
  uint32_t len = uint32_t(kMaxFrame + 1);
  std::string hdr(reinterpret_cast<const char*>(&len), 4);  // little-endian host
  p.feed(hdr);
  EXPECT_FALSE(p.next().has_value());
  EXPECT_TRUE(p.error());
  p.feed(two_frames());
  EXPECT_FALSE(p.next().has_value());  // an error is final
}

TEST(FrameParser, LengthTooShortForTheHeaderIsAnError) {
  FrameParser p;
  p.feed(std::string("\x03\x00\x00\x00\x01\x00\x01", 7));
  EXPECT_FALSE(p.next().has_value());
  EXPECT_TRUE(p.error());
}

TEST(FrameParser, IncompleteFrameWaitsForMore) {
  std::string all = two_frames();
  FrameParser p;
  p.feed(all.substr(0, 6));
  EXPECT_FALSE(p.next().has_value());
  EXPECT_FALSE(p.error());
}

}  // namespace
}  // namespace tern::wire
