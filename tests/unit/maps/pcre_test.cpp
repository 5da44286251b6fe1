// pcre: tables (pcre_table(5)): the shared rule syntax over PCRE2, the PCRE flags and
// their defaults, substitution, negation, if/endif, and open-time errors.
#include <gtest/gtest.h>

#include "maps/pattern_tables.hpp"
#include "map_test_util.hpp"

namespace tern::maps {
namespace {

using test::expect_error;
using test::expect_table;
using test::lookup;

std::unique_ptr<Lookup> table(std::string_view text) {
  return expect_table(parse_pcre_table("pcre:/etc/t", text, "/etc/t"));
}

std::string error(std::string_view text) {
  return expect_error(parse_pcre_table("pcre:/etc/t", text, "/etc/t"));
}

TEST(PcreTable, PerlSyntaxSubstitutionAndFirstMatch) {
  auto t = table(
      "/^(?!owner-)(.*)-outgoing@(.*)/  550 Use ${1}@${2} instead\n"
      "/^(friend@(?!my\\.domain$).*)$/    550 Stick this in your pipe $1\n"
      "/^friend@/                       second\n");
  EXPECT_EQ(lookup(t.get(), "list-outgoing@example.com"), "550 Use list@example.com instead");
  EXPECT_EQ(lookup(t.get(), "owner-list-outgoing@example.com"), std::nullopt);
  EXPECT_EQ(lookup(t.get(), "friend@example.com"), "550 Stick this in your pipe friend@example.com");
  EXPECT_EQ(lookup(t.get(), "friend@my.domain"), "second");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->fixed_keys());
}

TEST(PcreTable, EmptyKeys) {
  auto t = table("/^$/  empty\n");
  EXPECT_EQ(lookup(t.get(), std::string_view()), "empty");
  EXPECT_EQ(lookup(t.get(), ""), "empty");
}

TEST(PcreTable, DefaultsAreCaselessAndDotall) {
  auto t = table("/^a.b$/  hit\n");
  EXPECT_EQ(lookup(t.get(), "A\nB"), "hit");
  auto s = table("/^a.b$/s  hit\n");  // s toggles DOTALL off
  EXPECT_EQ(lookup(s.get(), "a\nb"), std::nullopt);
  EXPECT_EQ(lookup(s.get(), "a-b"), "hit");
  auto i = table("/^a$/i  hit\n");
  EXPECT_EQ(lookup(i.get(), "A"), std::nullopt);
  EXPECT_EQ(lookup(i.get(), "a"), "hit");
}

TEST(PcreTable, FlagsMXAEU) {
  auto m = table("/^b$/m  multiline\n");
  EXPECT_EQ(lookup(m.get(), "a\nb\nc"), "multiline");
  auto x = table("/^a b c$/x  extended\n");
  EXPECT_EQ(lookup(x.get(), "abc"), "extended");
  auto a = table("/b/A  anchored\n");
  EXPECT_EQ(lookup(a.get(), "ab"), std::nullopt);
  EXPECT_EQ(lookup(a.get(), "ba"), "anchored");
  auto e = table("/a$/E  endonly\n/a$/ default\n");
  EXPECT_EQ(lookup(e.get(), "a\n"), "default");  // E: '$' no longer matches before a final newline
  EXPECT_EQ(lookup(e.get(), "a"), "endonly");
  auto u = table("/^(a+)/U  [$1]\n");
  EXPECT_EQ(lookup(u.get(), "aaa"), "[a]");
  auto greedy = table("/^(a+)/  [$1]\n");
  EXPECT_EQ(lookup(greedy.get(), "aaa"), "[aaa]");
  auto extra = table("/^a$/X  accepted\n");
  EXPECT_EQ(lookup(extra.get(), "a"), "accepted");
}

TEST(PcreTable, NegationAndNestedIf) {
  auto t = table(
      "if /^[^@]+@example\\.com$/\n"
      "if !/^postmaster@/\n"
      "!/^(alice|bob)@/  unknown user\n"
      "endif\n"
      "endif\n"
      "/@/  other\n");
  EXPECT_EQ(lookup(t.get(), "carol@example.com"), "unknown user");
  EXPECT_EQ(lookup(t.get(), "alice@example.com"), "other");
  EXPECT_EQ(lookup(t.get(), "postmaster@example.com"), "other");
  EXPECT_EQ(lookup(t.get(), "carol@example.org"), "other");
}

TEST(PcreTable, BadLinesNameFileLineAndProblem) {
  EXPECT_EQ(error("/ok/ x\n/a(/ y\n"),
            "/etc/t:2: error in regex \"a(\" at offset 2: missing closing parenthesis");
  EXPECT_EQ(error("/a/k x\n"), "/etc/t:1: unknown regexp option \"k\"");
  EXPECT_EQ(error("/(a)(b)/ $3\n"),
            "/etc/t:1: out of range replacement index \"3\": the pattern has 2 group(s)");
  EXPECT_EQ(error("/a/\n"), "/etc/t:1: missing result after pattern");
  EXPECT_EQ(error("if /a/\n"), "/etc/t:1: \"if\" without matching \"endif\"");
  EXPECT_EQ(error("endif\n"), "/etc/t:1: \"endif\" without matching \"if\"");
}

TEST(PcreTable, MatchingErrorsFailTheLookup) {
  // Catastrophic backtracking hits PCRE2's match limit: the lookup fails (the caller
  // defers) rather than skipping a rule that might have rejected the mail.
  auto t = table("/^(a+)+$/  never\n");
  ASSERT_TRUE(t);
  auto r = t->find(std::string(40, 'a') + "b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "table pcre:/etc/t, line 1: pcre2 matching error: match limit exceeded");
}

TEST(PcreTable, OpensThroughOpenMapInline) {
  auto t = expect_table(open_map("pcre:{ {/^(\\d+)$/ number $1}, {/./ other} }", {}));
  EXPECT_EQ(lookup(t.get(), "42"), "number 42");
  EXPECT_EQ(lookup(t.get(), "x"), "other");
}

}  // namespace
}  // namespace tern::maps
