// Rewriter: qualification, canonical maps and their classes, extension propagation,
// masquerading, and recursive virtual alias expansion (self-reference, duplicates, loops,
// limits, catch-alls, table errors).
#include "route/rewrite.hpp"

#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "config/config.hpp"

namespace tern::route {
namespace {

using tern::testing::TempDir;
using Settings = std::vector<std::pair<std::string, std::string>>;
using Addresses = std::vector<std::string>;

// Postfix defaults, a base configuration, then `extra` (as main.cf lines, $names expanded).
config::Params params(const Settings& extra) {
  Settings all{{"myhostname", "mx.example.test"},
               {"mydomain", "example.test"},
               {"mydestination", "$myhostname, example.test"},
               {"virtual_alias_domains", "alias.test"},
               {"recipient_delimiter", "+"}};
  all.insert(all.end(), extra.begin(), extra.end());
  config::RawParams raw;
  int line = 1;
  for (const auto& [k, v] : all) raw[k] = config::RawValue{v, "main.cf", line++};
  auto p = config::build_params(raw, {}, "/etc/tern");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : config::Params{};
}

Result<Rewriter> make(const Settings& extra) { return Rewriter::make(params(extra), maps::OpenContext{}); }

// ---- virtual alias expansion ----

struct AliasCase {
  const char* name;
  Settings settings;
  const char* address;
  Addresses expected;
};

void PrintTo(const AliasCase& c, std::ostream* os) { *os << c.name; }

class RewriteVirtualAlias : public ::testing::TestWithParam<AliasCase> {};

TEST_P(RewriteVirtualAlias, ExpandsToTheFinalRecipients) {
  const AliasCase& c = GetParam();
  auto w = make(c.settings);
  ASSERT_TRUE(w.ok()) << w.error().message;
  Trace t;
  auto out = w->recipient(c.address, &t);
  std::string steps;
  for (const auto& s : t.steps) steps += "\n  " + s;
  ASSERT_TRUE(out.ok()) << out.error().message << steps;
  EXPECT_EQ(*out, c.expected) << steps;
}

Settings va(const char* table) { return {{"virtual_alias_maps", table}}; }

const AliasCase kAliases[] = {
    {"NoMaps", {}, "u@other.test", {"u@other.test"}},
    {"Unaliased", va("inline:{ {a@alias.test=b@other.test} }"), "z@other.test", {"z@other.test"}},
    {"OneToMany", va("inline:{ {info@alias.test=alice@example.test, bob@other.test} }"), "info@alias.test",
     {"alice@example.test", "bob@other.test"}},
    {"CaseInsensitiveKey", va("inline:{ {info@alias.test=alice@example.test} }"), "INFO@Alias.Test",
     {"alice@example.test"}},
    {"Recursive", va("inline:{ {a@alias.test=b@alias.test}, {b@alias.test=c@other.test} }"), "a@alias.test",
     {"c@other.test"}},
    {"BareTargetGetsMyorigin", va("inline:{ {info@alias.test=alice} }"), "info@alias.test",
     {"alice@mx.example.test"}},
    {"BareAddressQualifiedFirst", va("inline:{ {alice@mx.example.test=a@other.test} }"), "alice", {"a@other.test"}},
    {"CatchAllDomain", va("inline:{ {@alias.test=catchall@example.test} }"), "anyone@alias.test",
     {"catchall@example.test"}},
    {"SpecificBeatsCatchAll", va("inline:{ {@alias.test=catchall@example.test}, {info@alias.test=info@other.test} }"),
     "info@alias.test", {"info@other.test"}},
    {"BareUserKeyForLocalDomain", va("inline:{ {postmaster=root@other.test} }"), "postmaster@example.test",
     {"root@other.test"}},
    {"BareUserKeyNotForOtherDomains", va("inline:{ {postmaster=root@other.test} }"), "postmaster@alias.test",
     {"postmaster@alias.test"}},

    // Self-reference: an address in its own expansion is kept, the rest expanded.
    {"SelfReferenceKeepsItself", va("inline:{ {a@alias.test=a@alias.test, b@alias.test}, {b@alias.test=c@other.test} }"),
     "a@alias.test", {"a@alias.test", "c@other.test"}},
    {"SelfReferenceCaseInsensitive", va("inline:{ {a@alias.test=A@Alias.Test, b@other.test} }"), "a@alias.test",
     {"A@Alias.Test", "b@other.test"}},
    {"SelfReferenceAlone", va("inline:{ {a@alias.test=a@alias.test} }"), "a@alias.test", {"a@alias.test"}},
    {"SelfReferenceLast", va("inline:{ {a@alias.test=b@other.test, a@alias.test} }"), "a@alias.test",
     {"b@other.test", "a@alias.test"}},
    // Postfix expands an address into itself once; met again later it stays final.
    {"MutualSelfReference",
     va("inline:{ {a@alias.test=a@alias.test, b@alias.test}, {b@alias.test=b@alias.test, a@alias.test} }"),
     "a@alias.test", {"a@alias.test", "b@alias.test"}},
    {"SelfReferenceMetAgainThroughAnother",
     va("inline:{ {a@alias.test=b@alias.test, a@alias.test}, {b@alias.test=a@alias.test} }"), "a@alias.test",
     {"a@alias.test"}},

    // Duplicates are dropped, whatever their case; a diamond is not a loop.
    {"DuplicatesDropped", va("inline:{ {list@alias.test=a@other.test, b@other.test, A@Other.Test, a@other.test} }"),
     "list@alias.test", {"a@other.test", "b@other.test"}},
    {"Diamond",
     va("inline:{ {top@alias.test=m1@alias.test, m2@alias.test}, {m1@alias.test=leaf@other.test}, "
        "{m2@alias.test=leaf@other.test, x@other.test} }"),
     "top@alias.test", {"leaf@other.test", "x@other.test"}},

    // Extensions: propagated when the key dropped them (propagate_unmatched_extensions).
    {"ExtensionPropagated", va("inline:{ {alice@alias.test=alice.smith@other.test, a2@other.test} }"),
     "alice+news@alias.test", {"alice.smith+news@other.test", "a2+news@other.test"}},
    {"ExtensionNotPropagated",
     {{"virtual_alias_maps", "inline:{ {alice@alias.test=alice.smith@other.test} }"},
      {"propagate_unmatched_extensions", "canonical"}},
     "alice+news@alias.test", {"alice.smith@other.test"}},
    {"ExtensionMatchedWholeIsNotAdded",
     va("inline:{ {alice+news@alias.test=news@other.test}, {alice@alias.test=alice@other.test} }"),
     "alice+news@alias.test", {"news@other.test"}},
    {"ExtensionThroughCatchAll", va("inline:{ {@alias.test=catchall@other.test} }"), "x+tag@alias.test",
     {"catchall+tag@other.test"}},
    {"ExtensionWithoutDelimiterIsPartOfTheUser",
     {{"virtual_alias_maps", "inline:{ {alice@alias.test=x@other.test} }"}, {"recipient_delimiter", ""}},
     "alice+news@alias.test", {"alice+news@alias.test"}},
    {"ExtensionPropagatedThenLookedUpAgain",
     va("inline:{ {a@alias.test=b@alias.test}, {b+tag@alias.test=tagged@other.test}, {b@alias.test=plain@other.test} }"),
     "a+tag@alias.test", {"tagged@other.test"}},

    // "@otherdomain": the same user in another domain (first result address only).
    {"AtOtherDomain", va("inline:{ {@old.test=@new.test} }"), "user@old.test", {"user@new.test"}},
    {"AtOtherDomainKeepsOneExtension", va("inline:{ {@old.test=@new.test} }"), "user+tag@old.test",
     {"user+tag@new.test"}},
    {"AtOtherDomainFirstOnly", va("inline:{ {@old.test=@new.test, archive@other.test} }"), "user@old.test",
     {"user@new.test", "archive@other.test"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, RewriteVirtualAlias, ::testing::ValuesIn(kAliases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RewriteVirtualAlias, CatchAllRegexpSendsEveryAddressToRootAtMyorigin) {
  TempDir dir;
  dir.write("virtual", "# everything to root\n/.*/ root\n");
  auto w = make({{"virtual_alias_maps", "regexp:" + dir.file("virtual")},
                 {"virtual_alias_domains", "$virtual_alias_maps"}});
  ASSERT_TRUE(w.ok()) << w.error().message;
  for (const char* a : {"bob@example.test", "x@other.test", "u+ext@alias.test", "bob", "root@mx.example.test",
                        "MAILER-DAEMON@a.b.c.test", "weird%x@example.test"}) {
    auto out = w->recipient(a);
    ASSERT_TRUE(out.ok()) << a << ": " << out.error().message;
    EXPECT_EQ(*out, Addresses{"root@mx.example.test"}) << a;
  }
  // The regexp is also virtual_alias_domains: every domain is a virtual alias domain.
  EXPECT_EQ(*w->resolver().classify("any.test"), AddressClass::virtual_alias);
}

struct AliasError {
  const char* name;
  Settings settings;
  const char* address;
  const char* message;  // a substring of the error
};

void PrintTo(const AliasError& c, std::ostream* os) { *os << c.name; }

class RewriteVirtualAliasError : public ::testing::TestWithParam<AliasError> {};

TEST_P(RewriteVirtualAliasError, RefusesTheMessage) {
  const AliasError& c = GetParam();
  auto w = make(c.settings);
  ASSERT_TRUE(w.ok()) << w.error().message;
  auto out = w->recipient(c.address);
  ASSERT_FALSE(out.ok()) << ::testing::PrintToString(*out);
  EXPECT_NE(out.error().message.find(c.message), std::string::npos) << out.error().message;
}

const char* kChain =
    "inline:{ {a1@alias.test=a2@alias.test}, {a2@alias.test=a3@alias.test}, {a3@alias.test=a4@alias.test}, "
    "{a4@alias.test=a5@other.test} }";

const AliasError kAliasErrors[] = {
    {"TwoStepLoop", va("inline:{ {a@alias.test=b@alias.test}, {b@alias.test=a@alias.test} }"), "a@alias.test",
     "virtual alias loop for a@alias.test"},
    {"ThreeStepLoop",
     va("inline:{ {a@alias.test=b@alias.test}, {b@alias.test=c@alias.test}, {c@alias.test=A@alias.test} }"),
     "a@alias.test", "loop"},
    {"LoopBelowTheStart", va("inline:{ {s@alias.test=a@alias.test}, {a@alias.test=b@alias.test}, {b@alias.test=a@alias.test} }"),
     "s@alias.test", "loop"},
    {"LoopCarryingAnExtension", va("inline:{ {a@alias.test=b@alias.test}, {b@alias.test=a@alias.test} }"),
     "a+x@alias.test", "virtual alias loop for a+x@alias.test"},
    // Each pass adds the extension again ("b+x" -> "b+x+x"), as Postfix does, until a limit stops it.
    {"ExtensionGrowthStopsAtALimit", va("inline:{ {a@alias.test=b+x@alias.test}, {b@alias.test=a@alias.test} }"),
     "a@alias.test", "virtual_alias_"},
    {"RecursionLimit", {{"virtual_alias_maps", kChain}, {"virtual_alias_recursion_limit", "4"}}, "a1@alias.test",
     "virtual_alias_recursion_limit"},
    {"ExpansionLimit",
     {{"virtual_alias_maps", "inline:{ {l@alias.test=a@o.test, b@o.test, c@o.test, d@o.test} }"},
      {"virtual_alias_expansion_limit", "3"}},
     "l@alias.test", "virtual_alias_expansion_limit"},
    {"ExpansionLimitCountsNestedResults",
     {{"virtual_alias_maps", "inline:{ {l@alias.test=m@alias.test, c@o.test}, {m@alias.test=a@o.test, b@o.test} }"},
      {"virtual_alias_expansion_limit", "2"}},
     "l@alias.test", "virtual_alias_expansion_limit"},
    {"AddressLengthLimit",
     {{"virtual_alias_maps", "inline:{ {a@alias.test=a-very-long-user-name@other.test} }"},
      {"virtual_alias_address_length_limit", "20"}},
     "a@alias.test", "virtual_alias_address_length_limit"},
    {"FailingTable", va("fail:down"), "a@alias.test", "virtual_alias_maps: "},
    {"FailingTableDuringRecursion", va("inline:{ {a@alias.test=b@alias.test} }, fail:down"), "a@alias.test",
     "fail:down"},
};

INSTANTIATE_TEST_SUITE_P(Cases, RewriteVirtualAliasError, ::testing::ValuesIn(kAliasErrors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RewriteVirtualAlias, LimitsAreInclusive) {
  auto chain = make({{"virtual_alias_maps", kChain}, {"virtual_alias_recursion_limit", "5"}});
  ASSERT_TRUE(chain.ok());
  auto out = chain->recipient("a1@alias.test");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, Addresses{"a5@other.test"});

  auto wide = make({{"virtual_alias_maps", "inline:{ {l@alias.test=a@o.test, b@o.test, c@o.test, d@o.test} }"},
                    {"virtual_alias_expansion_limit", "4"}});
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->recipient("l@alias.test")->size(), 4u);

  auto len = make({{"virtual_alias_maps", "inline:{ {a@alias.test=b234567890@other.test} }"},
                   {"virtual_alias_address_length_limit", "21"}});
  ASSERT_TRUE(len.ok());
  EXPECT_TRUE(len->recipient("a@alias.test").ok());
}

TEST(RewriteVirtualAlias, TraceNamesTableAndKey) {
  auto w = make(va("inline:{ {alice@alias.test=alice@other.test} }"));
  ASSERT_TRUE(w.ok());
  Trace t;
  ASSERT_TRUE(w->recipient("alice+x@alias.test", &t).ok());
  ASSERT_FALSE(t.steps.empty());
  std::string all;
  for (const auto& s : t.steps) all += s + "\n";
  EXPECT_NE(all.find("matched \"alice@alias.test\""), std::string::npos) << all;
}

// ---- canonical maps ----

struct CanonicalCase {
  const char* name;
  Settings settings;
  const char* address;
  const char* sender;     // sender(address)
  const char* recipient;  // canonical_recipient(address)
};

void PrintTo(const CanonicalCase& c, std::ostream* os) { *os << c.name; }

class RewriteCanonical : public ::testing::TestWithParam<CanonicalCase> {};

TEST_P(RewriteCanonical, SenderAndRecipient) {
  const CanonicalCase& c = GetParam();
  auto w = make(c.settings);
  ASSERT_TRUE(w.ok()) << w.error().message;
  auto s = w->sender(c.address);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*s, c.sender);
  auto r = w->canonical_recipient(c.address);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, c.recipient);
}

const char* kAlice = "inline:{ alice@example.test=Alice.Smith@example.test }";

const CanonicalCase kCanonical[] = {
    {"NoMaps", {}, "alice@example.test", "alice@example.test", "alice@example.test"},
    {"BareUserQualified", {}, "bob", "bob@mx.example.test", "bob@mx.example.test"},
    {"MyoriginUsed", {{"myorigin", "$mydomain"}}, "bob", "bob@example.test", "bob@example.test"},
    {"CanonicalBothWays", {{"canonical_maps", kAlice}}, "alice@example.test", "Alice.Smith@example.test",
     "Alice.Smith@example.test"},
    {"SenderCanonicalOnlySender", {{"sender_canonical_maps", kAlice}}, "alice@example.test",
     "Alice.Smith@example.test", "alice@example.test"},
    {"RecipientCanonicalOnlyRecipient", {{"recipient_canonical_maps", kAlice}}, "alice@example.test",
     "alice@example.test", "Alice.Smith@example.test"},
    // *_classes restrict each map to the envelope addresses named.
    {"CanonicalClassesRecipientOnly", {{"canonical_maps", kAlice}, {"canonical_classes", "envelope_recipient"}},
     "alice@example.test", "alice@example.test", "Alice.Smith@example.test"},
    {"CanonicalClassesSenderOnly", {{"canonical_maps", kAlice}, {"canonical_classes", "envelope_sender"}},
     "alice@example.test", "Alice.Smith@example.test", "alice@example.test"},
    {"CanonicalClassesHeadersOnly",
     {{"canonical_maps", kAlice}, {"canonical_classes", "header_sender, header_recipient"}}, "alice@example.test",
     "alice@example.test", "alice@example.test"},
    {"SenderCanonicalClassesHeaderOnly", {{"sender_canonical_maps", kAlice}, {"sender_canonical_classes", "header_sender"}},
     "alice@example.test", "alice@example.test", "alice@example.test"},
    {"RecipientCanonicalClassesHeaderOnly",
     {{"recipient_canonical_maps", kAlice}, {"recipient_canonical_classes", "header_recipient"}},
     "alice@example.test", "alice@example.test", "alice@example.test"},
    // sender_/recipient_canonical_maps first, then canonical_maps over their result.
    {"SpecificThenGeneral",
     {{"sender_canonical_maps", "inline:{ a@example.test=b@example.test }"},
      {"recipient_canonical_maps", "inline:{ a@example.test=r@example.test }"},
      {"canonical_maps", "inline:{ b@example.test=c@example.test, r@example.test=s@example.test }"}},
     "a@example.test", "c@example.test", "s@example.test"},
    // Canonical mapping is one step, not recursive.
    {"NotRecursive", {{"canonical_maps", "inline:{ a@example.test=b@example.test, b@example.test=c@example.test }"}},
     "a@example.test", "b@example.test", "b@example.test"},
    {"ResultQualified", {{"canonical_maps", "inline:{ a@example.test=root }"}}, "a@example.test",
     "root@mx.example.test", "root@mx.example.test"},
    {"BareUserKeyLocalDomain", {{"canonical_maps", "inline:{ bob=robert@example.test }"}}, "bob@example.test",
     "robert@example.test", "robert@example.test"},
    {"BareUserKeyNotRemote", {{"canonical_maps", "inline:{ bob=robert@example.test }"}}, "bob@other.test",
     "bob@other.test", "bob@other.test"},
    // Extensions.
    {"ExtensionPropagated", {{"canonical_maps", kAlice}}, "alice+news@example.test",
     "Alice.Smith+news@example.test", "Alice.Smith+news@example.test"},
    {"ExtensionNotPropagated", {{"canonical_maps", kAlice}, {"propagate_unmatched_extensions", "virtual"}},
     "alice+news@example.test", "Alice.Smith@example.test", "Alice.Smith@example.test"},
    {"ExtensionMatchedWhole", {{"canonical_maps", "inline:{ a+x@example.test=ax@example.test, a@example.test=no }"}},
     "a+x@example.test", "ax@example.test", "ax@example.test"},
    // "@domain @otherdomain": the same user in the other domain.
    {"AtDomainToAtDomain", {{"canonical_maps", "inline:{ @old.test=@new.test }"}}, "user@old.test", "user@new.test",
     "user@new.test"},
    {"AtDomainToAtDomainKeepsOneExtension", {{"canonical_maps", "inline:{ @old.test=@new.test }"}},
     "user+tag@old.test", "user+tag@new.test", "user+tag@new.test"},
    {"AtDomainToAtDomainNoPropagation",
     {{"canonical_maps", "inline:{ @old.test=@new.test }"}, {"propagate_unmatched_extensions", ""}},
     "user+tag@old.test", "user@new.test", "user@new.test"},
    {"PatternTableWholeAddress", {{"canonical_maps", "regexp:{{/^(.*)@old\\.test$/ $$1@new.test}}"}},
     "u+x@old.test", "u+x@new.test", "u+x@new.test"},
    // Masquerading (default classes: the envelope sender only).
    {"MasqueradeSenderOnly", {{"masquerade_domains", "example.test"}}, "u@host.example.test", "u@example.test",
     "u@host.example.test"},
    {"MasqueradeRecipientWhenListed",
     {{"masquerade_domains", "example.test"}, {"masquerade_classes", "envelope_sender, envelope_recipient"}},
     "u@a.b.example.test", "u@example.test", "u@example.test"},
    {"MasqueradeNotTheDomainItself", {{"masquerade_domains", "example.test"}}, "u@example.test", "u@example.test",
     "u@example.test"},
    {"MasqueradeNotASuffix", {{"masquerade_domains", "example.test"}}, "u@badexample.test", "u@badexample.test",
     "u@badexample.test"},
    {"MasqueradeFirstMatchWins", {{"masquerade_domains", "foo.example.test, example.test"}},
     "u@any.thing.foo.example.test", "u@foo.example.test", "u@any.thing.foo.example.test"},
    {"MasqueradeFirstMatchWinsOther", {{"masquerade_domains", "foo.example.test, example.test"}},
     "u@any.thing.else.example.test", "u@example.test", "u@any.thing.else.example.test"},
    {"MasqueradeExceptionDomain", {{"masquerade_domains", "!foo.example.test, example.test"}},
     "u@any.thing.foo.example.test", "u@any.thing.foo.example.test", "u@any.thing.foo.example.test"},
    {"MasqueradeExceptionDomainItself", {{"masquerade_domains", "!foo.example.test, example.test"}},
     "u@foo.example.test", "u@foo.example.test", "u@foo.example.test"},
    {"MasqueradeExceptionDomainNotOthers", {{"masquerade_domains", "!foo.example.test, example.test"}},
     "u@else.example.test", "u@example.test", "u@else.example.test"},
    {"MasqueradeExceptionUser", {{"masquerade_domains", "example.test"}, {"masquerade_exceptions", "root, mailer-daemon"}},
     "root@host.example.test", "root@host.example.test", "root@host.example.test"},
    {"MasqueradeExceptionUserCaseInsensitive",
     {{"masquerade_domains", "example.test"}, {"masquerade_exceptions", "root"}}, "ROOT@host.example.test",
     "ROOT@host.example.test", "ROOT@host.example.test"},
    {"MasqueradeExceptionOtherUsers", {{"masquerade_domains", "example.test"}, {"masquerade_exceptions", "root"}},
     "bob@host.example.test", "bob@example.test", "bob@host.example.test"},
    {"MasqueradeAfterCanonical",
     {{"masquerade_domains", "example.test"}, {"canonical_maps", "inline:{ a@example.test=a@web.example.test }"}},
     "a@example.test", "a@example.test", "a@web.example.test"},
    {"MasqueradeBareUser", {{"masquerade_domains", "example.test"}}, "bob", "bob@example.test",
     "bob@mx.example.test"},
};

INSTANTIATE_TEST_SUITE_P(Cases, RewriteCanonical, ::testing::ValuesIn(kCanonical),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RewriteCanonical, RecipientRunsCanonicalThenAliases) {
  auto w = make({{"canonical_maps", "inline:{ old@example.test=new@alias.test }"},
                 {"virtual_alias_maps", "inline:{ {new@alias.test=final@other.test} }"}});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(*w->recipient("old@example.test"), Addresses{"final@other.test"});
}

TEST(RewriteCanonical, RecipientClassesDoNotTouchTheSender) {
  // A canonical map restricted to envelope_recipient must leave the envelope sender alone.
  auto w = make({{"canonical_maps", "static:rewritten@example.test"}, {"canonical_classes", "envelope_recipient"}});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(*w->sender("anyone@other.test"), "anyone@other.test");
  EXPECT_EQ(*w->canonical_recipient("anyone@other.test"), "rewritten@example.test");
}

struct CanonicalError {
  const char* name;
  Settings settings;
  bool sender;
  const char* message_start;
};

void PrintTo(const CanonicalError& c, std::ostream* os) { *os << c.name; }

class RewriteCanonicalError : public ::testing::TestWithParam<CanonicalError> {};

TEST_P(RewriteCanonicalError, TableErrorIsPropagatedNamingTheParameter) {
  const CanonicalError& c = GetParam();
  auto w = make(c.settings);
  ASSERT_TRUE(w.ok()) << w.error().message;
  auto r = c.sender ? w->sender("a@example.test") : w->canonical_recipient("a@example.test");
  ASSERT_FALSE(r.ok()) << *r;
  EXPECT_TRUE(r.error().message.starts_with(c.message_start)) << r.error().message;
  EXPECT_NE(r.error().message.find("fail:down"), std::string::npos) << r.error().message;
  if (!c.sender) {
    EXPECT_FALSE(w->recipient("a@example.test").ok());
  }
}

const CanonicalError kCanonicalErrors[] = {
    {"Canonical", {{"canonical_maps", "fail:down"}}, false, "canonical_maps: "},
    {"CanonicalSender", {{"canonical_maps", "fail:down"}}, true, "canonical_maps: "},
    {"SenderCanonical", {{"sender_canonical_maps", "fail:down"}}, true, "sender_canonical_maps: "},
    {"RecipientCanonical", {{"recipient_canonical_maps", "fail:down"}}, false, "recipient_canonical_maps: "},
    {"AfterAMiss", {{"canonical_maps", "inline:{ x=y }, fail:down"}}, false, "canonical_maps: "},
};

INSTANTIATE_TEST_SUITE_P(Cases, RewriteCanonicalError, ::testing::ValuesIn(kCanonicalErrors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RewriteCanonical, FailingTableOutsideItsClassesIsNotAsked) {
  auto w = make({{"sender_canonical_maps", "fail:down"}});
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->canonical_recipient("a@example.test").ok());
}

TEST(Rewriter, BadTableSpecNamesTheParameter) {
  for (const char* param : {"canonical_maps", "sender_canonical_maps", "recipient_canonical_maps",
                            "virtual_alias_maps", "transport_maps", "relay_domains"}) {
    auto w = make({{param, "inline:{ok=1} nosuchtype:/etc/tern/x"}});
    ASSERT_FALSE(w.ok()) << param;
    EXPECT_TRUE(w.error().message.starts_with(std::string(param) + ": ")) << w.error().message;
  }
  auto p = params({});
  p.virtual_alias_maps = {"inline:{ a=b, lonely }"};
  auto broken = Rewriter::make(p, maps::OpenContext{});
  ASSERT_FALSE(broken.ok());
  EXPECT_TRUE(broken.error().message.starts_with("virtual_alias_maps: ")) << broken.error().message;
}

TEST(RewriteCanonical, NullSenderIsNeverRewritten) {
  auto w = make({{"canonical_maps", "static:x@example.test"}, {"sender_canonical_maps", "fail:down"},
                 {"masquerade_domains", "example.test"}});
  ASSERT_TRUE(w.ok()) << w.error().message;
  auto s = w->sender("");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*s, "");
}

// ---- qualification ----

TEST(Rewriter, Qualify) {
  auto plain = make({});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->qualify("bob"), "bob@mx.example.test");
  EXPECT_EQ(plain->qualify("bob@host"), "bob@host");  // append_dot_mydomain = no (compatibility level 2)
  EXPECT_EQ(plain->qualify(""), "");
  auto dot = make({{"append_dot_mydomain", "yes"}});
  ASSERT_TRUE(dot.ok());
  EXPECT_EQ(dot->qualify("bob@host"), "bob@host.example.test");
  EXPECT_EQ(dot->qualify("bob@host.other.test"), "bob@host.other.test");
  EXPECT_EQ(dot->qualify("bob@[192.0.2.1]"), "bob@[192.0.2.1]");
  EXPECT_EQ(dot->qualify("bob"), "bob@mx.example.test");
  auto localhost = make({{"append_dot_mydomain", "yes"}, {"mydestination", "$myhostname, mailhost"}});
  ASSERT_TRUE(localhost.ok());
  EXPECT_EQ(localhost->qualify("bob@mailhost"), "bob@mailhost");  // one of ours
  auto bare = make({{"append_at_myorigin", "no"}});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->qualify("bob"), "bob");
}

}  // namespace
}  // namespace tern::route
