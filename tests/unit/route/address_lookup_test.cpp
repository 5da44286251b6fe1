// Postfix's address lookup order (canonical(5), virtual(5)): user+ext@domain for every
// table, then for fixed-key tables only user@domain, user+ext and user (local domains),
// @domain; each key goes to every table before the next key; unmatched extensions.
#include "route/address_lookup.hpp"

#include <gtest/gtest.h>

namespace tern::route {
namespace {

maps::MapList open_list(const std::vector<std::string>& specs) {
  auto m = maps::MapList::open(specs, maps::OpenContext{});
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return m.ok() ? std::move(*m) : maps::MapList{};
}

AddressLookupOptions options(std::string_view delimiters, bool at_domain = true) {
  // "local.test" is one of ours: bare user keys are tried for it.
  return {delimiters, [](std::string_view d) { return d == "local.test"; }, at_domain};
}

// Every key form the lookup order can produce, each answering with its own name.
const char* kAllForms =
    "inline:{ user+ext@local.test=full, user@local.test=noext, user+ext=localext, user=local, "
    "@local.test=atdomain, user+ext@remote.test=rfull, user@remote.test=rnoext, @remote.test=ratdomain }";

struct OrderCase {
  const char* name;
  std::vector<std::string> tables;
  const char* address;
  const char* delimiters;
  bool at_domain;
  const char* value;  // nullptr = not found
  const char* key;
  const char* extension;  // the unmatched extension reported
};

class AddressLookupOrder : public ::testing::TestWithParam<OrderCase> {};

TEST_P(AddressLookupOrder, FirstKeyInPostfixOrderWins) {
  const OrderCase& c = GetParam();
  auto tables = open_list(c.tables);
  auto m = find_address(tables, c.address, options(c.delimiters, c.at_domain));
  ASSERT_TRUE(m.ok()) << m.error().message;
  if (!c.value) {
    EXPECT_FALSE(m->has_value()) << (*m)->key;
    return;
  }
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->value, c.value);
  EXPECT_EQ((*m)->key, c.key);
  EXPECT_EQ((*m)->unmatched_extension, c.extension);
  EXPECT_EQ((*m)->delimiter, *c.extension ? c.delimiters[0] : 0);
}

const OrderCase kOrder[] = {
    // Local domain: user+ext@domain > user@domain > user+ext > user > @domain.
    {"FullAddressFirst", {kAllForms}, "user+ext@local.test", "+", true, "full", "user+ext@local.test", ""},
    {"CaseFolded", {kAllForms}, "USER+Ext@Local.TEST", "+", true, "full", "USER+Ext@Local.TEST", ""},
    {"UserAtDomainDropsExtension",
     {"inline:{ user@local.test=noext, user+ext=localext, user=local, @local.test=atdomain }"},
     "user+ext@local.test", "+", true, "noext", "user@local.test", "ext"},
    {"BareUserWithExtension", {"inline:{ user+ext=localext, user=local, @local.test=atdomain }"},
     "user+ext@local.test", "+", true, "localext", "user+ext", ""},
    {"BareUser", {"inline:{ user=local, @local.test=atdomain }"}, "user+ext@local.test", "+", true, "local", "user",
     "ext"},
    {"AtDomainLast", {"inline:{ @local.test=atdomain, other=x }"}, "user+ext@local.test", "+", true, "atdomain",
     "@local.test", "ext"},
    {"AtDomainWithoutExtension", {"inline:{ @local.test=atdomain }"}, "user@local.test", "+", true, "atdomain",
     "@local.test", ""},
    {"AtDomainDisabled", {"inline:{ @local.test=atdomain }"}, "user@local.test", "+", false, nullptr, "", ""},
    {"NoDelimiterNoSplit", {"inline:{ user@local.test=noext }"}, "user+ext@local.test", "", true, nullptr, "", ""},
    {"OtherDelimiter", {"inline:{ user@local.test=noext }"}, "user-ext@local.test", "-+", true, "noext",
     "user@local.test", "ext"},
    {"OwnerPrefixIsNotAnExtension", {"inline:{ owner@local.test=wrong }"}, "owner-list@local.test", "-", true,
     nullptr, "", ""},
    {"DelimiterAtStartIsNotAnExtension", {"inline:{ @local.test=atdomain }"}, "+user@local.test", "+", true,
     "atdomain", "@local.test", ""},
    // Remote domain: no bare-user keys.
    {"RemoteFull", {kAllForms}, "user+ext@remote.test", "+", true, "rfull", "user+ext@remote.test", ""},
    {"RemoteUserAtDomain", {"inline:{ user@remote.test=rnoext, user=local }"}, "user+ext@remote.test", "+", true,
     "rnoext", "user@remote.test", "ext"},
    {"RemoteSkipsBareUser", {"inline:{ user+ext=localext, user=local, @remote.test=ratdomain }"},
     "user+ext@remote.test", "+", true, "ratdomain", "@remote.test", "ext"},
    {"RemoteNothing", {"inline:{ user=local, user+ext=localext }"}, "user+ext@remote.test", "+", true, nullptr, "",
     ""},
    // An address without a domain is a local user.
    {"NoDomainFull", {"inline:{ user+ext=localext, user=local }"}, "user+ext", "+", true, "localext", "user+ext", ""},
    {"NoDomainBase", {"inline:{ user=local }"}, "user+ext", "+", true, "local", "user", "ext"},
    // Each key goes to every table before the next key.
    {"KeyOrderBeatsTableOrder", {"inline:{ @local.test=first-table }", "inline:{ user@local.test=second-table }"},
     "user@local.test", "+", true, "second-table", "user@local.test", ""},
    {"TableOrderForTheSameKey", {"inline:{ user@local.test=first }", "inline:{ user@local.test=second }"},
     "user@local.test", "+", true, "first", "user@local.test", ""},
    // Pattern tables see only the whole address.
    {"RegexpWholeAddress", {"regexp:{{/^user\\+ext@local\\.test$/ re}}"}, "user+ext@local.test", "+", true, "re",
     "user+ext@local.test", ""},
    {"RegexpNotAskedUserAtDomain", {"regexp:{{/^user@local\\.test$/ re}}"}, "user+ext@local.test", "+", true,
     nullptr, "", ""},
    {"RegexpNotAskedBareUser", {"regexp:{{/^user$/ re}}"}, "user@local.test", "+", true, nullptr, "", ""},
    {"RegexpNotAskedAtDomain", {"regexp:{{/^@/ re}}"}, "user@local.test", "+", true, nullptr, "", ""},
    {"PcreWholeAddress", {"pcre:{{/^USER@/ pc}}"}, "User@remote.test", "+", true, "pc", "User@remote.test", ""},
    {"FixedAfterPatternStillGetsPartialKeys",
     {"regexp:{{/^nomatch$/ re}}", "inline:{ @remote.test=ratdomain }"}, "user@remote.test", "+", true,
     "ratdomain", "@remote.test", ""},
};

INSTANTIATE_TEST_SUITE_P(Cases, AddressLookupOrder, ::testing::ValuesIn(kOrder),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(AddressLookup, ReportsWhichTableAnswered) {
  auto tables = open_list({"inline:{ a=1 }", "inline:{ user@local.test=2 }"});
  auto m = find_address(tables, "user@local.test", options("+"));
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->table, "inline:{ user@local.test=2 }");
}

TEST(AddressLookup, PatternTablesSeeTheAddressAsWritten) {
  // regexp tables are case-insensitive by default and hand $1 back in the case it had;
  // fixed-key tables fold the key themselves.
  auto tables = open_list({"regexp:{{/^(.*)@Example\\.COM$/ $1@other.test}}", "inline:{ mixed@case.test=x }"});
  auto r = find_address(tables, "John.Smith@example.com", options("+"));
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->value, "John.Smith@other.test");
  auto f = find_address(tables, "MiXeD@Case.Test", options("+"));
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->value, "x");
}

TEST(AddressLookup, EmptyListFindsNothing) {
  auto tables = open_list({});
  auto m = find_address(tables, "user@local.test", options("+"));
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_value());
}

TEST(AddressLookup, FailingTableIsAnError) {
  auto tables = open_list({"inline:{ x=y }", "fail:down"});
  auto m = find_address(tables, "user@local.test", options("+"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("fail:down"), std::string::npos) << m.error().message;
}

TEST(AddressLookup, AnswerBeforeTheFailingTableIsNotAnError) {
  auto tables = open_list({"inline:{ user@local.test=found }", "fail:down"});
  auto m = find_address(tables, "user@local.test", options("+"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ((*m)->value, "found");
}

TEST(AddressLookup, NoLocalDomainCallbackMeansRemote) {
  auto tables = open_list({"inline:{ user=local }"});
  AddressLookupOptions opt{"+", nullptr, true};
  auto m = find_address(tables, "user@local.test", opt);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_value());
}

struct ExtensionCase {
  const char* address;
  char delimiter;
  const char* ext;
  const char* expected;
};

class AddExtension : public ::testing::TestWithParam<ExtensionCase> {};

TEST_P(AddExtension, GoesAfterTheLocalPart) {
  const ExtensionCase& c = GetParam();
  EXPECT_EQ(add_extension(c.address, c.delimiter, c.ext), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Cases, AddExtension,
                         ::testing::Values(ExtensionCase{"bob@example.test", '+', "news", "bob+news@example.test"},
                                           ExtensionCase{"bob", '-', "news", "bob-news"},
                                           ExtensionCase{"bob@example.test", '+', "", "bob@example.test"},
                                           ExtensionCase{"bob@example.test", 0, "news", "bob@example.test"},
                                           ExtensionCase{"a@b@example.test", '+', "x", "a@b+x@example.test"}));

}  // namespace
}  // namespace tern::route
