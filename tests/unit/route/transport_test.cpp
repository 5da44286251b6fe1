// AddressResolver routing: each address class, address-syntax rewriting, transport_maps
// (transport(5) lookup order and result forms), sender-dependent relayhost and default
// transport maps with the null sender key, relayhost precedence, and table errors.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "route/resolve.hpp"

namespace tern::route {
namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

// Parameters as main.cf would give them: Postfix defaults, then the base below, then `extra`.
config::Params params(const Settings& extra = {}) {
  Settings all{{"myhostname", "mx.example.test"},
               {"mydomain", "example.test"},
               {"mydestination", "$myhostname, example.test"},
               {"proxy_interfaces", "192.0.2.1"},
               {"relay_domains", "relay.test"},
               {"virtual_alias_domains", "alias.test"},
               {"virtual_mailbox_domains", "mbox.test"},
               {"recipient_delimiter", "+"}};
  all.insert(all.end(), extra.begin(), extra.end());
  config::RawParams raw;
  int line = 1;
  for (const auto& [k, v] : all) raw[k] = config::RawValue{v, "main.cf", line++};
  auto p = config::build_params(raw, {}, "/etc/tern");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : config::Params{};
}

AddressResolver resolver(const Settings& extra = {}) {
  auto r = AddressResolver::make(params(extra));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : *AddressResolver::make(config::Params{});
}

struct RouteCase {
  const char* name;
  Settings settings;
  const char* recipient;
  const char* sender;
  AddressClass cls;
  const char* transport;
  const char* nexthop;
  const char* rewritten = nullptr;  // the recipient after address-syntax rewriting; null = unchanged
};

void PrintTo(const RouteCase& c, std::ostream* os) { *os << c.name; }

class TransportRoute : public ::testing::TestWithParam<RouteCase> {};

TEST_P(TransportRoute, ClassTransportAndNexthop) {
  const RouteCase& c = GetParam();
  auto r = resolver(c.settings);
  Trace trace;
  auto route = r.resolve(c.recipient, c.sender, &trace);
  ASSERT_TRUE(route.ok()) << route.error().message;
  std::string steps;
  for (const auto& s : trace.steps) steps += "\n  " + s;
  EXPECT_EQ(route->cls, c.cls) << class_name(route->cls) << steps;
  EXPECT_EQ(route->transport, c.transport) << steps;
  EXPECT_EQ(route->nexthop, c.nexthop) << steps;
  EXPECT_EQ(route->recipient, c.rewritten ? c.rewritten : c.recipient);
}

const char* kPrecedence =
    "inline:{ user+ext@t.test=a:full, user@t.test=b:user, t.test=c:domain, .t.test=d:parent, *=e:star }";

const RouteCase kRoutes[] = {
    // Each class with Postfix's default transports.
    {"Local", {}, "bob@Example.Test", "", AddressClass::local, "local", "mx.example.test"},
    {"LocalMyhostname", {}, "bob@mx.example.test", "", AddressClass::local, "local", "mx.example.test"},
    {"LocalBareUser", {}, "bob", "", AddressClass::local, "local", "mx.example.test"},
    {"LocalProxyInterface", {}, "bob@[192.0.2.1]", "", AddressClass::local, "local", "mx.example.test"},
    {"LocalSubdomainIsNotLocal", {}, "bob@sub.example.test", "", AddressClass::default_, "smtp", "sub.example.test"},
    {"VirtualAliasUnaliased", {}, "x@alias.test", "", AddressClass::virtual_alias, "error",
     "5.1.1 User unknown in virtual alias table"},
    {"VirtualMailbox", {}, "x@mbox.test", "", AddressClass::virtual_mailbox, "virtual", "mbox.test"},
    {"Relay", {}, "x@relay.test", "", AddressClass::relay, "relay", "relay.test"},
    {"RelaySubdomainByDefault", {}, "x@a.relay.test", "", AddressClass::relay, "relay", "a.relay.test"},
    {"RelaySubdomainNotWithoutParentMatching", {{"parent_domain_matches_subdomains", ""}}, "x@a.relay.test", "",
     AddressClass::default_, "smtp", "a.relay.test"},
    {"Default", {}, "x@Other.Test", "", AddressClass::default_, "smtp", "other.test"},
    // A domain in two classes: local > virtual alias > virtual mailbox > relay.
    {"LocalBeatsVirtualAlias", {{"virtual_alias_domains", "example.test"}}, "x@example.test", "",
     AddressClass::local, "local", "mx.example.test"},
    {"VirtualAliasBeatsMailbox", {{"virtual_mailbox_domains", "alias.test"}}, "x@alias.test", "",
     AddressClass::virtual_alias, "error", "5.1.1 User unknown in virtual alias table"},
    {"MailboxBeatsRelay", {{"relay_domains", "mbox.test"}}, "x@mbox.test", "", AddressClass::virtual_mailbox,
     "virtual", "mbox.test"},
    // Class transports with their own nexthop.
    {"VirtualTransportWithNexthop", {{"virtual_transport", "lmtp:unix:private/dovecot"}}, "x@mbox.test", "",
     AddressClass::virtual_mailbox, "lmtp", "unix:private/dovecot"},
    {"LocalTransportWithoutNexthop", {{"local_transport", "local"}}, "bob@example.test", "", AddressClass::local,
     "local", ""},

    // Address-syntax rewriting in our domains.
    {"PercentHack", {}, "user%other.test@example.test", "", AddressClass::default_, "smtp", "other.test",
     "user@other.test"},
    {"PercentHackRightmostPercent", {}, "a%b%other.test@example.test", "", AddressClass::default_, "smtp",
     "other.test", "a%b@other.test"},
    {"PercentHackOnlyForOurDomains", {}, "user%x.test@other.test", "", AddressClass::default_, "smtp", "other.test"},
    {"PercentHackOff", {{"allow_percent_hack", "no"}}, "user%other.test@example.test", "", AddressClass::local,
     "local", "mx.example.test"},
    {"BangPath", {}, "other.test!user@example.test", "", AddressClass::default_, "smtp", "other.test",
     "user@other.test"},
    {"BangPathBareUser", {}, "uucp.test!user", "", AddressClass::default_, "smtp", "uucp.test", "user@uucp.test"},
    {"BangPathOff", {{"swap_bangpath", "no"}}, "other.test!user@example.test", "", AddressClass::local, "local",
     "mx.example.test"},
    {"QuotedLocalPartTakenAsWritten", {}, "\"user%other.test\"@example.test", "", AddressClass::local, "local",
     "mx.example.test"},

    // transport_maps precedence: user+ext@domain > user@domain > domain > .parent > *.
    {"MapFullAddress", {{"transport_maps", kPrecedence}}, "user+ext@t.test", "", AddressClass::default_, "a",
     "full"},
    {"MapFullAddressCaseFolded", {{"transport_maps", kPrecedence}}, "USER+EXT@T.TEST", "", AddressClass::default_,
     "a", "full"},
    {"MapUserAtDomainForOtherExtension", {{"transport_maps", kPrecedence}}, "user+other@t.test", "",
     AddressClass::default_, "b", "user"},
    {"MapUserAtDomain", {{"transport_maps", kPrecedence}}, "user@t.test", "", AddressClass::default_, "b", "user"},
    {"MapDomain", {{"transport_maps", kPrecedence}}, "other@t.test", "", AddressClass::default_, "c", "domain"},
    {"MapDotParent", {{"transport_maps", kPrecedence}}, "u@sub.t.test", "", AddressClass::default_, "d", "parent"},
    {"MapDotParentDeep", {{"transport_maps", kPrecedence}}, "u@a.b.t.test", "", AddressClass::default_, "d",
     "parent"},
    {"MapStar", {{"transport_maps", kPrecedence}}, "u@elsewhere.test", "", AddressClass::default_, "e", "star"},
    {"MapStarForLocal", {{"transport_maps", kPrecedence}}, "bob@example.test", "", AddressClass::local, "e", "star"},
    {"MapNoExtensionSplitWithoutDelimiter", {{"transport_maps", kPrecedence}, {"recipient_delimiter", ""}},
     "user+other@t.test", "", AddressClass::default_, "c", "domain"},
    {"MapNearestParentFirst", {{"transport_maps", "inline:{ .t.test=far:x, .b.t.test=near:y }"}}, "u@a.b.t.test",
     "", AddressClass::default_, "near", "y"},
    {"MapDomainNotItsSubdomains", {{"transport_maps", "inline:{ t.test=c:domain }"}}, "u@sub.t.test", "",
     AddressClass::default_, "smtp", "sub.t.test"},
    {"MapParentStyleWhenListed",
     {{"transport_maps", "inline:{ t.test=c:domain, .t.test=d:parent }"},
      {"parent_domain_matches_subdomains", "transport_maps"}},
     "u@sub.t.test", "", AddressClass::default_, "c", "domain"},
    {"MapSecondTableForSameKey", {{"transport_maps", "inline:{ x=y }, inline:{ t.test=second:z }"}}, "u@t.test", "",
     AddressClass::default_, "second", "z"},
    {"MapDomainKeyBeatsFirstTablesStar", {{"transport_maps", "inline:{ *=star: }, inline:{ t.test=dom:z }"}},
     "u@t.test", "", AddressClass::default_, "dom", "z"},

    // Result forms.
    {"TransportOnlyTakesTheRecipientDomain", {{"transport_maps", "inline:{ t.test=slow: }"}}, "u@t.test", "",
     AddressClass::default_, "slow", "t.test"},
    {"TransportOnlyResetsRelayhost", {{"transport_maps", "inline:{ t.test=slow: }"}, {"relayhost", "[smart.test]"}},
     "u@t.test", "", AddressClass::default_, "slow", "t.test"},
    {"TransportOnlyNoColon", {{"transport_maps", "inline:{ t.test=slow }"}, {"relayhost", "[smart.test]"}},
     "u@t.test", "", AddressClass::default_, "slow", "t.test"},
    {"NexthopOnlyKeepsClassTransport", {{"transport_maps", "inline:{ relay.test=:[gw.test] }"}}, "u@relay.test", "",
     AddressClass::relay, "relay", "[gw.test]"},
    {"NexthopOnlyForLocal", {{"transport_maps", "inline:{ example.test=:[gw.test] }"}}, "u@example.test", "",
     AddressClass::local, "local", "[gw.test]"},
    {"EmptyResultChangesNothing", {{"transport_maps", "inline:{ t.test=: }"}, {"relayhost", "[smart.test]"}},
     "u@t.test", "", AddressClass::default_, "smtp", "[smart.test]"},
    {"NexthopWithPort", {{"transport_maps", "inline:{ t.test=smtp:[192.0.2.9]:587 }"}}, "u@t.test", "",
     AddressClass::default_, "smtp", "[192.0.2.9]:587"},
    {"ErrorReason", {{"transport_maps", "inline:{ {u@t.test=error:5.1.1 mailbox moved} }"}}, "u@t.test", "",
     AddressClass::default_, "error", "5.1.1 mailbox moved"},
    {"RetryReason", {{"transport_maps", "inline:{ {t.test=retry:4.3.0 try later} }"}}, "u@t.test", "",
     AddressClass::default_, "retry", "4.3.0 try later"},
    {"TransportMapsOverrideLocalTransport", {{"transport_maps", "inline:{ example.test=lmtp:[store.test] }"}},
     "u@example.test", "", AddressClass::local, "lmtp", "[store.test]"},
    // transport_maps do not override the virtual alias class's "User unknown".
    {"VirtualAliasNotOverridden", {{"transport_maps", "inline:{ *=smtp:[outbound.test], alias.test=x:y }"}},
     "nobody@alias.test", "", AddressClass::virtual_alias, "error", "5.1.1 User unknown in virtual alias table"},

    // Pattern tables see only the whole address.
    {"RegexpWholeAddress", {{"transport_maps", "regexp:{{/^user@t\\.test$/ re:whole}}"}}, "user@t.test", "",
     AddressClass::default_, "re", "whole"},
    {"RegexpNotAskedUserAtDomain", {{"transport_maps", "regexp:{{/^user@t\\.test$/ re:whole}}"}},
     "user+ext@t.test", "", AddressClass::default_, "smtp", "t.test"},
    {"RegexpNotAskedDomain", {{"transport_maps", "regexp:{{/^t\\.test$/ re:domain}}"}}, "u@t.test", "",
     AddressClass::default_, "smtp", "t.test"},
    {"RegexpNotAskedStar", {{"transport_maps", "regexp:{{/^\\*$/ re:star}}"}}, "u@t.test", "", AddressClass::default_,
     "smtp", "t.test"},
    {"RegexpDomainSuffixOfWholeAddress", {{"transport_maps", "regexp:{{/@(.+\\.)?t\\.test$/ re:suffix}}"}},
     "u@a.t.test", "", AddressClass::default_, "re", "suffix"},

    // Nexthop precedence: sender_dependent_default_transport_maps, default_transport,
    // sender_dependent_relayhost_maps, relayhost, the recipient domain.
    {"Relayhost", {{"relayhost", "[smart.test]:587"}}, "u@other.test", "", AddressClass::default_, "smtp",
     "[smart.test]:587"},
    {"RelayhostForRelayClass", {{"relayhost", "[smart.test]"}}, "u@relay.test", "", AddressClass::relay, "relay",
     "[smart.test]"},
    {"RelayhostNotForLocal", {{"relayhost", "[smart.test]"}}, "u@example.test", "", AddressClass::local, "local",
     "mx.example.test"},
    {"RelayhostNotForVirtualMailbox", {{"relayhost", "[smart.test]"}}, "u@mbox.test", "",
     AddressClass::virtual_mailbox, "virtual", "mbox.test"},
    {"DefaultTransportNexthopBeatsRelayhost",
     {{"relayhost", "[smart.test]"}, {"default_transport", "smtp:[dt.test]"}}, "u@other.test", "",
     AddressClass::default_, "smtp", "[dt.test]"},
    {"RelayTransportNexthopBeatsRelayhost", {{"relayhost", "[smart.test]"}, {"relay_transport", "relay:[rt.test]"}},
     "u@relay.test", "", AddressClass::relay, "relay", "[rt.test]"},
    {"TransportMapsBeatRelayhost", {{"relayhost", "[smart.test]"}, {"transport_maps", "inline:{ *=:[tm.test] }"}},
     "u@other.test", "", AddressClass::default_, "smtp", "[tm.test]"},
};

INSTANTIATE_TEST_SUITE_P(Cases, TransportRoute, ::testing::ValuesIn(kRoutes),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- sender-dependent maps ----

const Settings kSenderMaps{
    {"relayhost", "[default.test]"},
    {"sender_dependent_relayhost_maps",
     "inline:{ alice@s.test=[alice.test], @s.test=[s-domain.test], <>=[bounces.test], dunno@s.test=DUNNO }"},
};

const RouteCase kSenderRoutes[] = {
    {"RelayhostBySender", kSenderMaps, "u@other.test", "alice@s.test", AddressClass::default_, "smtp",
     "[alice.test]"},
    {"RelayhostBySenderCaseFolded", kSenderMaps, "u@other.test", "Alice@S.Test", AddressClass::default_, "smtp",
     "[alice.test]"},
    {"RelayhostBySenderWithoutExtension", kSenderMaps, "u@other.test", "alice+lists@s.test", AddressClass::default_,
     "smtp", "[alice.test]"},
    {"RelayhostBySenderDomain", kSenderMaps, "u@other.test", "bob@s.test", AddressClass::default_, "smtp",
     "[s-domain.test]"},
    {"RelayhostByNullSenderKey", kSenderMaps, "u@other.test", "", AddressClass::default_, "smtp", "[bounces.test]"},
    {"RelayhostUnknownSenderFallsBack", kSenderMaps, "u@other.test", "carol@elsewhere.test",
     AddressClass::default_, "smtp", "[default.test]"},
    {"RelayhostDunnoStopsTheSearch", kSenderMaps, "u@other.test", "dunno@s.test", AddressClass::default_, "smtp",
     "[default.test]"},
    {"RelayhostBySenderForRelayClass", kSenderMaps, "u@relay.test", "alice@s.test", AddressClass::relay, "relay",
     "[alice.test]"},
    {"RelayhostBySenderNotForLocal", kSenderMaps, "u@example.test", "alice@s.test", AddressClass::local, "local",
     "mx.example.test"},
    {"NullSenderCustomKey",
     {{"sender_dependent_relayhost_maps", "inline:{ <>=[angle.test], null=[custom.test] }"},
      {"empty_address_relayhost_maps_lookup_key", "null"}},
     "u@other.test", "", AddressClass::default_, "smtp", "[custom.test]"},
    {"NullSenderWithoutKeyEntry", {{"sender_dependent_relayhost_maps", "inline:{ @s.test=[x.test] }"}},
     "u@other.test", "", AddressClass::default_, "smtp", "other.test"},

    {"DefaultTransportBySender",
     {{"sender_dependent_default_transport_maps", "inline:{ alice@s.test=bulk:[bulk.test] }"},
      {"relayhost", "[default.test]"}},
     "u@other.test", "alice@s.test", AddressClass::default_, "bulk", "[bulk.test]"},
    {"DefaultTransportBySenderWithoutNexthopUsesRelayhost",
     {{"sender_dependent_default_transport_maps", "inline:{ @s.test=bulk }"}, {"relayhost", "[default.test]"}},
     "u@other.test", "bob@s.test", AddressClass::default_, "bulk", "[default.test]"},
    {"DefaultTransportBySenderThenSenderRelayhost",
     {{"sender_dependent_default_transport_maps", "inline:{ @s.test=bulk }"},
      {"sender_dependent_relayhost_maps", "inline:{ @s.test=[srh.test] }"}},
     "u@other.test", "bob@s.test", AddressClass::default_, "bulk", "[srh.test]"},
    {"DefaultTransportByNullSender",
     {{"sender_dependent_default_transport_maps", "inline:{ <>=bounce-out:[b.test] }"}}, "u@other.test", "",
     AddressClass::default_, "bounce-out", "[b.test]"},
    {"DefaultTransportDunno", {{"sender_dependent_default_transport_maps", "inline:{ @s.test=DUNNO }"}},
     "u@other.test", "bob@s.test", AddressClass::default_, "smtp", "other.test"},
    {"DefaultTransportMapsNotForRelayClass",
     {{"sender_dependent_default_transport_maps", "inline:{ @s.test=bulk:[bulk.test] }"}}, "u@relay.test",
     "bob@s.test", AddressClass::relay, "relay", "relay.test"},
    {"TransportMapsBeatSenderDependentMaps",
     {{"sender_dependent_default_transport_maps", "inline:{ @s.test=bulk:[bulk.test] }"},
      {"transport_maps", "inline:{ other.test=tm:[tm.test] }"}},
     "u@other.test", "bob@s.test", AddressClass::default_, "tm", "[tm.test]"},
    {"SenderMapsPatternTableSeesWholeSender",
     {{"sender_dependent_relayhost_maps", "regexp:{{/^alice@s\\.test$/ [re.test]}}"}}, "u@other.test",
     "alice+x@s.test", AddressClass::default_, "smtp", "other.test"},
};

INSTANTIATE_TEST_SUITE_P(Sender, TransportRoute, ::testing::ValuesIn(kSenderRoutes),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- classes, authorization, parsing ----

TEST(TransportSpec, SplitsAtTheFirstColon) {
  struct {
    const char* in;
    const char* transport;
    const char* nexthop;
  } cases[] = {{"smtp", "smtp", ""},
               {"smtp:", "smtp", ""},
               {":[gw.test]", "", "[gw.test]"},
               {"smtp:[192.0.2.1]:25", "smtp", "[192.0.2.1]:25"},
               {"lmtp:unix:/run/lmtp", "lmtp", "unix:/run/lmtp"},
               {"  relay : [x.test] ", "relay", "[x.test]"},
               {"", "", ""},
               {":", "", ""}};
  for (const auto& c : cases) {
    auto s = TransportSpec::parse(c.in);
    EXPECT_EQ(s.transport, c.transport) << c.in;
    EXPECT_EQ(s.nexthop, c.nexthop) << c.in;
  }
}

TEST(AddressResolver, AuthorizedDestinationIsEveryClassButDefault) {
  auto r = resolver();
  for (const char* d : {"example.test", "mx.example.test", "alias.test", "mbox.test", "relay.test", "a.relay.test"})
    EXPECT_TRUE(*r.authorized_destination(d)) << d;
  for (const char* d : {"other.test", "sub.example.test", "test"}) EXPECT_FALSE(*r.authorized_destination(d)) << d;
}

TEST(AddressResolver, LocalDomainsForBareUserLookups) {
  auto r = resolver({{"myorigin", "origin.test"}});
  for (const char* d : {"origin.test", "ORIGIN.test", "example.test", "mx.example.test", "[192.0.2.1]", ""})
    EXPECT_TRUE(r.is_local_domain(d)) << d;
  for (const char* d : {"other.test", "alias.test", "[192.0.2.2]"}) EXPECT_FALSE(r.is_local_domain(d)) << d;
}

TEST(AddressResolver, VirtualAliasDomainsFromTheAliasTableKeys) {
  // virtual_alias_domains defaults to $virtual_alias_maps: a domain that is a key there.
  auto built = params({{"virtual_alias_domains", "$virtual_alias_maps"},
                       {"virtual_alias_maps", "inline:{ va.test=x, {info@va.test=bob} }"}});
  auto r = AddressResolver::make(built);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r->classify("va.test"), AddressClass::virtual_alias);
  EXPECT_EQ(*r->classify("alias.test"), AddressClass::default_);
}

TEST(AddressResolver, TraceNamesTheTableAndKey) {
  auto r = resolver({{"transport_maps", "inline:{ t.test=slow: }"}});
  Trace t;
  ASSERT_TRUE(r.resolve("user%t.test@example.test", "", &t).ok());
  std::string all;
  for (const auto& s : t.steps) all += s + "\n";
  EXPECT_NE(all.find("address syntax: \"user%t.test@example.test\" -> \"user@t.test\""), std::string::npos) << all;
  EXPECT_NE(all.find("domain \"t.test\": default address class"), std::string::npos) << all;
  EXPECT_NE(all.find("matched \"t.test\" -> \"slow:\""), std::string::npos) << all;
  EXPECT_NE(all.find("route: transport \"slow\", nexthop \"t.test\""), std::string::npos) << all;
  // No trace, no cost: resolving without one works the same.
  EXPECT_EQ(r.resolve("user%t.test@example.test")->transport, "slow");
}

// ---- errors ----

struct FailCase {
  const char* name;
  Settings settings;
  const char* recipient;
  const char* sender;
  const char* message_start;  // null: resolving succeeds (the failing table is not asked)
};

void PrintTo(const FailCase& c, std::ostream* os) { *os << c.name; }

class TransportTableError : public ::testing::TestWithParam<FailCase> {};

TEST_P(TransportTableError, IsAnErrorNamingTheParameter) {
  const FailCase& c = GetParam();
  auto r = resolver(c.settings);
  auto route = r.resolve(c.recipient, c.sender);
  if (!c.message_start) {
    EXPECT_TRUE(route.ok()) << route.error().message;
    return;
  }
  ASSERT_FALSE(route.ok()) << route->transport << ":" << route->nexthop;
  EXPECT_TRUE(route.error().message.starts_with(c.message_start)) << route.error().message;
  EXPECT_NE(route.error().message.find("fail:down"), std::string::npos) << route.error().message;
}

const FailCase kFailures[] = {
    {"TransportMaps", {{"transport_maps", "fail:down"}}, "u@other.test", "", "transport_maps: "},
    {"TransportMapsAfterAMissingKey", {{"transport_maps", "inline:{ x=y }, fail:down"}}, "u@other.test", "",
     "transport_maps: "},
    {"TransportMapsAnswerBeforeTheFailure", {{"transport_maps", "inline:{ u@other.test=x: }, fail:down"}},
     "u@other.test", "", nullptr},
    {"SenderRelayhostMaps", {{"sender_dependent_relayhost_maps", "fail:down"}}, "u@other.test", "a@s.test",
     "sender_dependent_relayhost_maps: "},
    {"SenderRelayhostMapsNullSender", {{"sender_dependent_relayhost_maps", "fail:down"}}, "u@other.test", "",
     "sender_dependent_relayhost_maps: "},
    {"SenderRelayhostMapsNotAskedForLocal", {{"sender_dependent_relayhost_maps", "fail:down"}}, "u@example.test",
     "a@s.test", nullptr},
    {"SenderRelayhostMapsNotAskedWhenTransportHasNexthop",
     {{"sender_dependent_relayhost_maps", "fail:down"}, {"default_transport", "smtp:[x.test]"}}, "u@other.test",
     "a@s.test", nullptr},
    {"SenderTransportMaps", {{"sender_dependent_default_transport_maps", "fail:down"}}, "u@other.test", "a@s.test",
     "sender_dependent_default_transport_maps: "},
    {"RelayDomainsTable", {{"relay_domains", "fail:down"}}, "u@other.test", "", "domain lookup in fail:down"},
    {"MydestinationTable", {{"mydestination", "fail:down"}}, "u@example.test", "", "domain lookup in fail:down"},
};

INSTANTIATE_TEST_SUITE_P(Cases, TransportTableError, ::testing::ValuesIn(kFailures),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(AddressResolver, BadTableSpecNamesTheParameter) {
  for (const char* param : {"transport_maps", "sender_dependent_relayhost_maps",
                            "sender_dependent_default_transport_maps", "mydestination", "relay_domains",
                            "virtual_alias_domains", "virtual_mailbox_domains"}) {
    auto r = AddressResolver::make(params({{param, "inline:{ok=1}, nosuchtype:/etc/tern/x"}}));
    ASSERT_FALSE(r.ok()) << param;
    EXPECT_TRUE(r.error().message.starts_with(std::string(param) + ": ")) << r.error().message;
  }
}

}  // namespace
}  // namespace tern::route
