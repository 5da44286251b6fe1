// String helpers: Postfix list splitting, printable(), parse_int and friends.
#include "base/strings.hpp"

#include <gtest/gtest.h>

namespace tern {
namespace {

using Strings = std::vector<std::string>;

TEST(SplitList, CommasAndWhitespaceSeparate) {
  EXPECT_EQ(split_list("a, b\tc,,d\r\ne  "), (Strings{"a", "b", "c", "d", "e"}));
}

TEST(SplitList, EmptyAndSeparatorOnlyInputGiveNothing) {
  EXPECT_TRUE(split_list("").empty());
  EXPECT_TRUE(split_list(" ,, \t").empty());
}

TEST(SplitList, BraceGroupIsOneTokenWithoutItsBraces) {
  EXPECT_EQ(split_list("{ a b, c }, d"), (Strings{"a b, c", "d"}));
  EXPECT_EQ(split_list("x {nested {inner} group} y"), (Strings{"x", "nested {inner} group", "y"}));
}

TEST(SplitList, BracesInsideATokenKeepItWhole) {
  EXPECT_EQ(split_list("inline:{ a=b, c=d }, static:x"),
            (Strings{"inline:{ a=b, c=d }", "static:x"}));
}

TEST(SplitList, UnbalancedBraceKeepsTheRestVerbatim) {
  EXPECT_EQ(split_list("a, { b c"), (Strings{"a", "{ b c"}));
}

TEST(SplitAny, DropsEmptyPieces) {
  auto v = split_any("::a:b::c:", ":");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], "a");
  EXPECT_EQ(v[1], "b");
  EXPECT_EQ(v[2], "c");
  EXPECT_TRUE(split_any("", ":").empty());
}

TEST(Printable, ReplacesControlCharacters) {
  EXPECT_EQ(printable(std::string("a\x01" "b\n\r\t\x7f" "c", 8)), "a?b????c");
  EXPECT_EQ(printable(std::string("nul\0x", 5)), "nul?x");
}

TEST(Printable, KeepsUtf8Bytes) { EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9"); }

TEST(Printable, CutsAtMax) {
  EXPECT_EQ(printable("abcdef", 3), "abc");
  EXPECT_EQ(printable(std::string(300, 'x')).size(), 256u);
}

TEST(ParseInt, AcceptsOnlyAWholeNumber) {
  EXPECT_EQ(parse_int("42"), 42);
  EXPECT_EQ(parse_int("-7"), -7);
  EXPECT_EQ(parse_int("0"), 0);
  EXPECT_EQ(parse_int(""), std::nullopt);
  EXPECT_EQ(parse_int("1x"), std::nullopt);
  EXPECT_EQ(parse_int(" 1"), std::nullopt);
  EXPECT_EQ(parse_int("+1"), std::nullopt);
  EXPECT_EQ(parse_int("99999999999999999999"), std::nullopt);
}

TEST(Trim, RemovesSpaceTabCrLf) {
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim("   "), "");
}

TEST(CaseHelpers, AsciiOnly) {
  EXPECT_EQ(lower("MiXeD.Example"), "mixed.example");
  EXPECT_TRUE(iequals("HELO", "helo"));
  EXPECT_FALSE(iequals("HELO", "hel"));
  EXPECT_TRUE(istarts_with("FROM:<a>", "from:"));
  EXPECT_FALSE(istarts_with("FR", "from:"));
}

}  // namespace
}  // namespace tern
