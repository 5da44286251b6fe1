// xtext (RFC 3461 §4): decoding, its malformed forms, and encode/decode round trips.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smtp/xtext.hpp"

namespace tern::smtp {
namespace {

TEST(Xtext, DecodesPlusEscapes) {
  auto r = decode_xtext("rfc822+3Balice+2Bext@example.test");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "rfc822;alice+ext@example.test");
}

TEST(Xtext, RefusesMalformedInput) {
  EXPECT_FALSE(decode_xtext("a+2").ok());     // truncated escape
  EXPECT_FALSE(decode_xtext("a+").ok());
  EXPECT_FALSE(decode_xtext("a+2b").ok());    // RFC 3461: upper-case hex only
  EXPECT_FALSE(decode_xtext("a+ZZ").ok());
  EXPECT_FALSE(decode_xtext("a=b").ok());     // '=' must be escaped
  EXPECT_FALSE(decode_xtext("a b").ok());     // space
  EXPECT_FALSE(decode_xtext("a\x01").ok());   // control character
  EXPECT_FALSE(decode_xtext("caf\xc3\xa9").ok());  // non-ASCII
}

TEST(Xtext, EncodeThenDecodeIsIdentity) {
  for (const std::string& s : std::vector<std::string>{"", "plain", "a+b=c d", std::string("\x00\x7f\xff", 3), "100%"}) {
    auto r = decode_xtext(encode_xtext(s));
    ASSERT_TRUE(r.ok()) << s;
    EXPECT_EQ(*r, s);
  }
  EXPECT_EQ(encode_xtext("a+b=c d"), "a+2Bb+3Dc+20d");
}

}  // namespace
}  // namespace tern::smtp
