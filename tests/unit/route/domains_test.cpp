// DomainList: names, ".parent", "!exception", "/file" entries and "type:table" entries,
// with and without parent_domain_matches_subdomains, and the errors a bad list gives.
#include "route/domains.hpp"

#include <gtest/gtest.h>

#include "../temp_dir.hpp"

namespace tern::route {
namespace {

using tern::testing::TempDir;

Result<DomainList> make(std::vector<std::string> entries, bool sub, std::string_view param = "relay_domains") {
  return DomainList::make(entries, param, sub, maps::OpenContext{});
}

struct MatchCase {
  const char* name;
  std::vector<std::string> entries;
  bool subdomains;
  const char* domain;
  const char* entry;  // the entry matching_entry() names; "" = no match
};

class DomainMatch : public ::testing::TestWithParam<MatchCase> {};

TEST_P(DomainMatch, MatchesAsPostfixMatchListDoes) {
  const MatchCase& c = GetParam();
  auto list = make(c.entries, c.subdomains);
  ASSERT_TRUE(list.ok()) << list.error().message;
  auto entry = list->matching_entry(c.domain);
  ASSERT_TRUE(entry.ok()) << entry.error().message;
  EXPECT_EQ(*entry, c.entry);
  auto m = list->matches(c.domain);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, std::string_view(c.entry) != "");
}

const MatchCase kMatchCases[] = {
    // Plain names: exact, case-insensitive, trailing dots ignored.
    {"Exact", {"example.test"}, false, "example.test", "example.test"},
    {"UpperCaseEntry", {"EXAMPLE.Test"}, false, "example.TEST", "example.test"},
    {"TrailingDotInDomain", {"example.test"}, false, "example.test..", "example.test"},
    {"TrailingDotInEntry", {"example.test."}, false, "example.test", "example.test"},
    {"SubdomainNeedsTheFlag", {"example.test"}, false, "a.example.test", ""},
    {"SubdomainWithFlag", {"example.test"}, true, "a.b.example.test", "example.test"},
    {"SuffixIsNotASubdomain", {"example.test"}, true, "badexample.test", ""},
    {"ParentIsNotAChild", {"a.example.test"}, true, "example.test", ""},
    {"EmptyDomainNeverMatches", {"example.test"}, true, "", ""},
    {"DotOnlyDomain", {"example.test"}, true, ".", ""},
    // ".parent" matches strict subdomains only, with or without the flag.
    {"DotParentSub", {".example.test"}, false, "a.example.test", ".example.test"},
    {"DotParentDeepSub", {".example.test"}, false, "x.y.example.test", ".example.test"},
    {"DotParentNotItself", {".example.test"}, false, "example.test", ""},
    {"DotParentNotSuffix", {".example.test"}, false, "badexample.test", ""},
    {"DotParentWithFlag", {".example.test"}, true, "a.example.test", ".example.test"},
    // "!name" excludes; the first entry that decides wins.
    {"ExceptionFirstWins", {"!sub.example.test", "example.test"}, true, "sub.example.test", ""},
    {"ExceptionCoversItsSubdomains", {"!sub.example.test", "example.test"}, true, "a.sub.example.test", ""},
    {"ExceptionDoesNotCoverSiblings", {"!sub.example.test", "example.test"}, true, "other.example.test",
     "example.test"},
    {"ExceptionAfterMatchIsTooLate", {"example.test", "!sub.example.test"}, true, "sub.example.test",
     "example.test"},
    {"ExceptionOfDotParent", {"!.example.test", "example.test"}, false, "a.example.test", ""},
    {"ExceptionDoesNotMatchOthers", {"!example.test"}, false, "other.test", ""},
    // IP literals are names, not tables, despite their colons.
    {"Ipv6Literal", {"[::1]"}, false, "[::1]", "[::1]"},
    // type:table entries: the domain is the key, any value matches.
    {"TableExact", {"inline:{example.test=whatever}"}, false, "Example.Test", "inline:{example.test=whatever}"},
    {"TableMiss", {"inline:{example.test=x}"}, false, "other.test", ""},
    {"TableParentWithFlag", {"inline:{example.test=x}"}, true, "a.b.example.test", "inline:{example.test=x}"},
    {"TableParentWithoutFlag", {"inline:{example.test=x}"}, false, "a.example.test", ""},
    // match_list looks fixed tables up by ".parent" when the list is not parent-matching.
    {"TableDotParentWithoutFlag", {"inline:{.example.test=x}"}, false, "a.b.example.test",
     "inline:{.example.test=x}"},
    {"TableDotParentNotItself", {"inline:{.example.test=x}"}, false, "example.test", ""},
    {"NegatedTable", {"!inline:{bad.example.test=x}", "example.test"}, true, "bad.example.test", ""},
    {"NegatedTableMissFallsThrough", {"!inline:{bad.example.test=x}", "example.test"}, true,
     "good.example.test", "example.test"},
    // Pattern tables see the whole domain only: no parent lookups.
    {"RegexpWholeDomain", {"regexp:{{/^mx[0-9]\\.example\\.test$/ ok}}"}, true, "mx1.example.test",
     "regexp:{{/^mx[0-9]\\.example\\.test$/ ok}}"},
    {"RegexpNoParentLookups", {"regexp:{{/^example\\.test$/ ok}}"}, true, "a.example.test", ""},
    {"StaticMatchesAll", {"static:yes"}, false, "anything.test", "static:yes"},
};

INSTANTIATE_TEST_SUITE_P(Cases, DomainMatch, ::testing::ValuesIn(kMatchCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DomainList, EmptyListMatchesNothing) {
  auto list = make({}, true);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_FALSE(*list->matches("example.test"));
}

TEST(DomainList, FileEntriesWithCommentsCommasAndExceptions) {
  TempDir dir;
  dir.write("domains",
            "# relay domains\n"
            "one.test, two.test   # trailing comment\n"
            "\n"
            "  !no.three.test\tthree.test\r\n"
            ".four.test\n");
  auto list = make({"zero.test", dir.file("domains"), "five.test"}, true);
  ASSERT_TRUE(list.ok()) << list.error().message;
  for (const char* d : {"zero.test", "one.test", "two.test", "x.three.test", "a.four.test", "five.test"})
    EXPECT_TRUE(*list->matches(d)) << d;
  for (const char* d : {"no.three.test", "four.test", "relay", "comment", "#", "six.test"})
    EXPECT_FALSE(*list->matches(d)) << d;
}

TEST(DomainList, NestedFilesAndTablesInFiles) {
  TempDir dir;
  dir.write("inner", "inner.test inline:{tabled.test=1}\n");
  dir.write("outer", "outer.test " + dir.file("inner") + "\n");
  auto list = make({dir.file("outer")}, false);
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_TRUE(*list->matches("outer.test"));
  EXPECT_TRUE(*list->matches("inner.test"));
  EXPECT_TRUE(*list->matches("tabled.test"));
  EXPECT_FALSE(*list->matches("other.test"));
}

TEST(DomainList, SelfIncludingFileIsAnErrorNotARecursion) {
  TempDir dir;
  dir.write("loop", "a.test " + dir.file("loop") + "\n");
  auto list = make({dir.file("loop")}, false, "mydestination");
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.error().message.find("mydestination: files nested too deeply"), std::string::npos)
      << list.error().message;
}

struct BadList {
  const char* name;
  std::vector<std::string> entries;
  const char* message_start;  // the error names the parameter first
};

class DomainListError : public ::testing::TestWithParam<BadList> {};

TEST_P(DomainListError, NamesTheParameter) {
  const BadList& c = GetParam();
  auto list = make(c.entries, false, "virtual_mailbox_domains");
  ASSERT_FALSE(list.ok());
  EXPECT_TRUE(list.error().message.starts_with(c.message_start)) << list.error().message;
}

const BadList kBadLists[] = {
    {"UnknownTableType", {"example.test", "nosuchtype:/etc/x"}, "virtual_mailbox_domains: "},
    {"BrokenInline", {"inline:{ a=b, lonely }"}, "virtual_mailbox_domains: "},
    {"BadRegexp", {"regexp:{{/(/ x}}"}, "virtual_mailbox_domains: "},
    {"MissingFile", {"/nonexistent/tern/domains"}, "virtual_mailbox_domains: "},
    {"LoneBang", {"!"}, "virtual_mailbox_domains: empty domain name"},
    {"OnlyDots", {".."}, "virtual_mailbox_domains: empty domain name"},
};

INSTANTIATE_TEST_SUITE_P(Cases, DomainListError, ::testing::ValuesIn(kBadLists),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DomainList, FailingTableIsALookupErrorNamingTheTable) {
  auto list = make({"first.test", "fail:down", "last.test"}, false);
  ASSERT_TRUE(list.ok()) << list.error().message;
  // Entries before the table decide without asking it.
  EXPECT_TRUE(*list->matches("first.test"));
  auto m = list->matches("last.test");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("fail:down"), std::string::npos) << m.error().message;
  EXPECT_FALSE(list->matching_entry("x.test").ok());
}

TEST(DomainList, FailingTableFailsParentLookupsToo) {
  auto list = make({"unionmap:{inline:{a.test=1}, fail:down}"}, true);
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_FALSE(list->matches("sub.a.test").ok());
}

TEST(ParentMatchesSubdomains, ExactParameterNamesOnly) {
  std::vector<std::string> setting{"debug_peer_list", "relay_domains", "smtpd_access_maps"};
  EXPECT_TRUE(parent_matches_subdomains(setting, "relay_domains"));
  EXPECT_FALSE(parent_matches_subdomains(setting, "relay"));
  EXPECT_FALSE(parent_matches_subdomains(setting, "mydestination"));
  EXPECT_FALSE(parent_matches_subdomains({}, "relay_domains"));
}

}  // namespace
}  // namespace tern::route
