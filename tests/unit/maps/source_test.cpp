// Table sources: postmap(1) and aliases(5) lines, good and malformed, and the duplicate
// policies of postmap's default, -r and -w.
#include "maps/source.hpp"

#include <gtest/gtest.h>

namespace tern::maps {
namespace {

std::vector<SourceEntry> parse_ok(std::string_view text, SourceOptions o = {}) {
  auto r = parse_source(text, "/etc/tern/src", o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<SourceEntry>{};
}

std::string parse_err(std::string_view text, SourceOptions o = {}) {
  auto r = parse_source(text, "/etc/tern/src", o);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error().message;
}

constexpr SourceOptions kAliases{SourceFormat::aliases, true};

TEST(PostmapSource, EntriesInFileOrderWithLines) {
  auto e = parse_ok("# c\nB@Example.test  x\n\nA y z\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].key, "b@example.test");
  EXPECT_EQ(e[0].value, "x");
  EXPECT_EQ(e[0].line, 2);
  EXPECT_EQ(e[1].key, "a");
  EXPECT_EQ(e[1].value, "y z");
  EXPECT_EQ(e[1].line, 4);
}

TEST(PostmapSource, MinusFKeepsCase) {
  auto e = parse_ok("MiXed Value\n", {SourceFormat::table, false});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].key, "MiXed");
  EXPECT_EQ(e[0].value, "Value");  // values never change case
}

TEST(PostmapSource, ContinuationJoinsBeforeTheKeyValueSplit) {
  // Postfix reads the logical line first: "lonely" + "  cont" is "lonely cont".
  auto e = parse_ok("lonely\n  cont\n# comment\n\tmore\nnext v\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].key, "lonely");
  EXPECT_EQ(e[0].value, "cont more");
  EXPECT_EQ(e[0].line, 1);
}

TEST(PostmapSource, QuotedKeysKeepTheirQuotes) {
  auto e = parse_ok("\"A B\"@example.test c\n\"q\\\"x\" d\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].key, "\"a b\"@example.test");
  EXPECT_EQ(e[0].value, "c");
  EXPECT_EQ(e[1].key, "\"q\\\"x\"");
}

TEST(PostmapSource, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(parse_err("a b\nkeyonly\n"), "/etc/tern/src:2: expected \"key whitespace value\": \"keyonly\"");
  EXPECT_EQ(parse_err("  x\n"), "/etc/tern/src:1: continuation line without a key before it");
  EXPECT_EQ(parse_err("ok v\n\"open quote v\n"), "/etc/tern/src:2: unbalanced '\"' in \"\"open quote v\"");
}

TEST(AliasSource, NamesValuesAndContinuations) {
  auto e = parse_ok("# c\nPostmaster: root\nroot: alice, bob,\n  carol\nspacey   :  v1 ,  v2  \n", kAliases);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].key, "postmaster");
  EXPECT_EQ(e[0].value, "root");
  EXPECT_EQ(e[1].key, "root");
  EXPECT_EQ(e[1].value, "alice, bob, carol");
  EXPECT_EQ(e[1].line, 3);
  EXPECT_EQ(e[2].key, "spacey");
  EXPECT_EQ(e[2].value, "v1, v2");
}

TEST(AliasSource, QuotedNamesAreUnquoted) {
  auto e = parse_ok("\"a b\": x\n\"x:y\" : z\n\"q\\\"x\": y\n\"Quoted@Host\": q\np\"r s\"t: u\n", kAliases);
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].key, "a b");
  EXPECT_EQ(e[1].key, "x:y");
  EXPECT_EQ(e[1].value, "z");
  EXPECT_EQ(e[2].key, "q\"x");
  EXPECT_EQ(e[3].key, "quoted@host");  // '@' inside quotes is part of the local part
  EXPECT_EQ(e[4].key, "p r s t");
}

TEST(AliasSource, ValueItemsKeepQuotesCommentsAndAngles) {
  auto e = parse_ok("a: \"|/usr/bin/cmd  arg, x\", /var/x ,:include:/etc/l,"
                    "u@Example.COM (a, comment), Foo  Bar <fb@x>\nb:c,,d\n",
                    kAliases);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].value, "\"|/usr/bin/cmd  arg, x\", /var/x, :include:/etc/l, "
                        "u@Example.COM (a, comment), Foo Bar <fb@x>");
  EXPECT_EQ(e[1].value, "c, , d");
}

TEST(AliasSource, EscapedBlankIsKeptSoTheValueIsStable) {
  // Found by fuzz_aliases: dropping the blank after a backslash turned "x\ ," into
  // "x\,", which no longer splits when read again.
  auto e = parse_ok("a: x\\ ,y\n", kAliases);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].value, "x\\ , y");
  auto again = split_alias_line("a: " + e[0].value);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->second, e[0].value);
}

TEST(AliasSource, MalformedLines) {
  EXPECT_EQ(parse_err("ok: v\nnocolon value\n", kAliases),
            "/etc/tern/src:2: need name:value pair: \"nocolon value\"");
  EXPECT_EQ(parse_err("empty:\n", kAliases), "/etc/tern/src:1: need name:value pair: \"empty:\"");
  EXPECT_EQ(parse_err(": novalue\n", kAliases), "/etc/tern/src:1: need name:value pair: \": novalue\"");
  EXPECT_EQ(parse_err("user@example.test: x\n", kAliases),
            "/etc/tern/src:1: name must be local: \"user@example.test\"");
  EXPECT_EQ(parse_err("\"open: x\n", kAliases), "/etc/tern/src:1: unbalanced '\"' in \"\"open: x\"");
  EXPECT_EQ(parse_err("\"open\"\" x: y\n", kAliases).rfind("/etc/tern/src:1: unbalanced", 0), 0u);
}

TEST(MergeEntries, FirstWinsWithAWarningByDefault) {
  TableEntries t;
  auto w = merge_entries(t, parse_ok("Foo bar\nfoo baz\nx y\n"), Duplicates::warn_keep_first, "/etc/tern/src");
  EXPECT_EQ(t, (TableEntries{{"foo", "bar"}, {"x", "y"}}));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "/etc/tern/src:2: duplicate entry: \"foo\"");
}

TEST(MergeEntries, ReplaceAndKeepFirstAreQuiet) {
  TableEntries r{{"foo", "old"}};
  EXPECT_TRUE(merge_entries(r, parse_ok("foo new\n"), Duplicates::replace, "f").empty());
  EXPECT_EQ(r.at("foo"), "new");
  TableEntries k{{"foo", "old"}};
  EXPECT_TRUE(merge_entries(k, parse_ok("foo new\n"), Duplicates::keep_first, "f").empty());
  EXPECT_EQ(k.at("foo"), "old");
}

}  // namespace
}  // namespace tern::maps
