// regexp: tables (regexp_table(5)): rule order, flags, $N substitution, negation,
// if/endif nesting, continuation lines, the inline form, and every open-time error.
#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "maps/pattern_tables.hpp"
#include "map_test_util.hpp"

namespace tern::maps {
namespace {

using test::expect_error;
using test::expect_table;
using test::lookup;

std::unique_ptr<Lookup> table(std::string_view text) {
  return expect_table(parse_regexp_table("regexp:/etc/t", text, "/etc/t"));
}

std::string error(std::string_view text) {
  return expect_error(parse_regexp_table("regexp:/etc/t", text, "/etc/t"));
}

TEST(RegexpTable, FirstMatchWinsAndKeysAreWhole) {
  auto t = table(
      "# access map\n"
      "/[%!@].*[%!@]/       550 Sender-specified routing rejected\n"
      "\n"
      "/^postmaster@/       OK\n"
      "/@example\\.com$/    REJECT\n");
  EXPECT_EQ(lookup(t.get(), "a%b@c"), "550 Sender-specified routing rejected");
  EXPECT_EQ(lookup(t.get(), "postmaster@example.com"), "OK");
  EXPECT_EQ(lookup(t.get(), "alice@example.com"), "REJECT");
  EXPECT_EQ(lookup(t.get(), "alice@example.org"), std::nullopt);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->fixed_keys());
}

TEST(RegexpTable, CaseInsensitiveUnlessTheIFlagToggles) {
  auto t = table("/^Abc$/i  sensitive\n/^abc$/  insensitive\n");
  EXPECT_EQ(lookup(t.get(), "Abc"), "sensitive");
  EXPECT_EQ(lookup(t.get(), "ABC"), "insensitive");
  auto twice = table("/^a$/ii  back-on\n");
  EXPECT_EQ(lookup(twice.get(), "A"), "back-on");
}

TEST(RegexpTable, XFlagSwitchesToBasicSyntaxAndMToNewlineMode) {
  auto t = table("/^a+$/x  basic\n/^b$/m  multiline\n");
  EXPECT_EQ(lookup(t.get(), "a+"), "basic");  // '+' is literal in a basic regex
  EXPECT_EQ(lookup(t.get(), "aa"), std::nullopt);
  EXPECT_EQ(lookup(t.get(), "x\nb"), "multiline");
  auto plain = table("/^b$/  no\n");
  EXPECT_EQ(lookup(plain.get(), "x\nb"), std::nullopt);
}

TEST(RegexpTable, SubstitutesNumberedGroups) {
  auto t = table(
      "/^(.*)-outgoing@(.*)$/  550 Use ${1}@${2} instead\n"
      "/^(a)(b)?(c)$/          [$1|$2|$(3)] costs $$5\n");
  EXPECT_EQ(lookup(t.get(), "list-outgoing@example.com"), "550 Use list@example.com instead");
  // A group that took no part in the match is empty.
  EXPECT_EQ(lookup(t.get(), "ac"), "[a||c] costs $5");
}

TEST(RegexpTable, AnyDelimiterAndEscapedDelimiters) {
  auto t = table(
      "~^[[:alnum:]+/]{60,}$~  base64\n"
      "/^a\\/b$/               slash\n"
      "|^c$|                   bar\n");
  EXPECT_EQ(lookup(t.get(), std::string(64, 'Q')), "base64");
  EXPECT_EQ(lookup(t.get(), "a/b"), "slash");
  EXPECT_EQ(lookup(t.get(), "c"), "bar");
  EXPECT_EQ(lookup(t.get(), "d"), std::nullopt);
  // The pattern ends at the second delimiter: "|a|b|" is /a/ with flags "b|".
  EXPECT_EQ(error("|a|b| x\n"), "/etc/t:1: unknown regexp option \"b\"");
}

TEST(RegexpTable, NegatedRules) {
  auto t = table("!/^owner-/  not-owner\n/./ owner\n");
  EXPECT_EQ(lookup(t.get(), "list"), "not-owner");
  EXPECT_EQ(lookup(t.get(), "owner-list"), "owner");
  auto twice = table("! ! /^x/  double\n");
  EXPECT_EQ(lookup(twice.get(), "xy"), "double");
}

TEST(RegexpTable, IfEndifNestWithNegation) {
  auto t = table(
      "if /@example\\.com$/\n"
      "if !/^owner-/\n"
      "/^(.*)-outgoing@/  550 Use $1 instead\n"
      "endif\n"
      "/^owner-/  owner at example\n"
      "ENDIF\n"
      "/-outgoing@/  elsewhere\n");
  EXPECT_EQ(lookup(t.get(), "list-outgoing@example.com"), "550 Use list instead");
  EXPECT_EQ(lookup(t.get(), "owner-list-outgoing@example.com"), "owner at example");
  EXPECT_EQ(lookup(t.get(), "list-outgoing@example.org"), "elsewhere");
  EXPECT_EQ(lookup(t.get(), "bob@example.com"), std::nullopt);
}

TEST(RegexpTable, ContinuationLinesAndComments) {
  auto t = table(
      "/^noddy@/\n"
      "  550 This user is a funny one.\n"
      "# a comment inside does not end the rule\n"
      "\tReally.\n"
      "   \n"
      "/^x$/ y   \r\n");
  EXPECT_EQ(lookup(t.get(), "noddy@example.com"), "550 This user is a funny one.\tReally.");
  EXPECT_EQ(lookup(t.get(), "x"), "y");
}

TEST(RegexpTable, BadLinesNameFileLineAndProblem) {
  EXPECT_EQ(error("/ok/ fine\n/(/ x\n"), "/etc/t:2: bad regular expression \"(\": Unmatched ( or \\(");
  EXPECT_EQ(error("/a/\n"), "/etc/t:1: missing result after pattern");
  EXPECT_EQ(error("/(a)/ $2\n"),
            "/etc/t:1: out of range replacement index \"2\": the pattern has 1 group(s)");
  EXPECT_EQ(error("/(a)/ $x\n"), "/etc/t:1: bad replacement syntax: non-numeric replacement index \"x\"");
  EXPECT_EQ(error("/(a)/ $1st\n"), "/etc/t:1: bad replacement syntax: non-numeric replacement index \"1st\"");
  EXPECT_EQ(error("/(a)/ $0\n"), "/etc/t:1: bad replacement syntax: out-of-range replacement index \"0\"");
  EXPECT_EQ(error("/(a)/ ${1\n"), "/etc/t:1: bad replacement syntax: truncated macro reference");
  EXPECT_EQ(error("/(a)/ cost $ 5\n"), "/etc/t:1: bad replacement syntax: empty macro name after '$'");
  EXPECT_EQ(error("!/(a)/ $1\n"), "/etc/t:1: $number found in negative match replacement text");
  EXPECT_EQ(error("/a/q x\n"), "/etc/t:1: unknown regexp option \"q\"");
  EXPECT_EQ(error("/abc x\n"), "/etc/t:1: no closing regexp delimiter \"/\"");
  EXPECT_EQ(error("/a/!/b/ x\n"), "/etc/t:1: unexpected text after pattern: \"!/b/ x\"");
  EXPECT_EQ(error("hello world\n"),
            "/etc/t:1: unrecognized request \"hello world\" (expected \"/pattern/flags result\", "
            "\"if /pattern/flags\" or \"endif\")");
  EXPECT_EQ(error("!\n"), "/etc/t:1: missing pattern");
}

TEST(RegexpTable, UnbalancedIfEndif) {
  EXPECT_EQ(error("/a/ b\nendif\n"), "/etc/t:2: \"endif\" without matching \"if\"");
  EXPECT_EQ(error("if /a/\nif /b/\n/c/ d\nendif\n"), "/etc/t:1: \"if\" without matching \"endif\"");
  EXPECT_EQ(error("if /a/\n  /b/ c\nendif\n"),
            "/etc/t:1: extra text after \"if\" pattern: \"/b/ c\" (do not indent rules between "
            "\"if\" and \"endif\")");
  EXPECT_EQ(error("if /a/\nendif now\n"), "/etc/t:2: extra text after \"endif\"");
  EXPECT_EQ(error("  /a/ b\n"), "/etc/t:1: logical line must not start with whitespace");
}

TEST(RegexpTable, OpensFilesRelativeToTheConfigDirAndInlineRules) {
  testing::TempDir dir;
  dir.write("checks", "/^a/ from-file\n");
  OpenContext ctx{dir.path()};
  auto f = expect_table(open_map("regexp:checks", ctx));
  EXPECT_EQ(lookup(f.get(), "abc"), "from-file");
  EXPECT_EQ(expect_error(open_map("regexp:missing", ctx)).rfind("table \"regexp:missing\": ", 0), 0u);

  auto in = expect_table(open_map("regexp:{ {/^a/ first}, { /^(b)/ got $1 } }", {}));
  EXPECT_EQ(lookup(in.get(), "abc"), "first");
  EXPECT_EQ(lookup(in.get(), "bcd"), "got b");
  EXPECT_EQ(expect_error(open_map("regexp:{ {/^a/ x}, {/(/ y} }", {})),
            "regexp:{ {/^a/ x}, {/(/ y} }:2: bad regular expression \"(\": Unmatched ( or \\(");
}

}  // namespace
}  // namespace tern::maps
