// Domain lists, address classes and local recipient lookups.
#include "route/resolve.hpp"

#include <gtest/gtest.h>

namespace tern::route {
namespace {

DomainList domains(std::vector<std::string> e, bool sub = false) {
  auto d = DomainList::make(e, "mydestination", sub);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  return d.ok() ? *d : DomainList{};
}

TEST(DomainList, MatchesCaseInsensitivelyAndIgnoresTrailingDot) {
  DomainList d = domains({"Example.TEST", "localhost"});
  EXPECT_TRUE(d.matches("example.test"));
  EXPECT_TRUE(d.matches("EXAMPLE.test"));
  EXPECT_TRUE(d.matches("example.test."));
  EXPECT_TRUE(d.matches("LOCALHOST"));
  EXPECT_FALSE(d.matches("sub.example.test"));
  EXPECT_FALSE(d.matches("xexample.test"));
  EXPECT_FALSE(d.matches(""));
}

TEST(DomainList, LeadingDotMatchesSubdomainsOnly) {
  DomainList d = domains({".example.test"});
  EXPECT_TRUE(d.matches("a.example.test"));
  EXPECT_TRUE(d.matches("a.b.example.test"));
  EXPECT_FALSE(d.matches("example.test"));
  EXPECT_FALSE(d.matches("badexample.test"));
}

TEST(DomainList, SubdomainFlagMatchesParentAndChildren) {
  DomainList d = domains({"example.test"}, true);
  EXPECT_TRUE(d.matches("example.test"));
  EXPECT_TRUE(d.matches("a.example.test"));
  EXPECT_TRUE(d.matches("A.B.Example.Test."));
  EXPECT_FALSE(d.matches("badexample.test"));
  EXPECT_FALSE(d.matches("example.test.evil"));
}

TEST(DomainList, TablesAndFilesAreNotSupportedYet) {
  auto t = DomainList::make({"a.example", "hash:/etc/tern/domains"}, "relay_domains", false);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message, "relay_domains: \"hash:/etc/tern/domains\": lookup tables and files "
                               "in domain lists are not supported yet");
  EXPECT_FALSE(DomainList::make({"/etc/tern/domains"}, "relay_domains", false).ok());
}

config::Params params() {
  config::Params p;
  p.mydestination = {"example.test", "localhost"};
  p.relay_domains = {"relay.example"};
  p.parent_domain_matches_subdomains = {"relay_domains"};
  p.default_transport = "smtp";
  p.relay_transport = "relay";
  p.local_transport = "local:$myhostname";
  return p;
}

TEST(AddressResolver, ClassifiesDomains) {
  auto r = AddressResolver::make(params());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->classify("example.test"), AddressClass::local);
  EXPECT_EQ(r->classify(""), AddressClass::local);
  EXPECT_EQ(r->classify("relay.example"), AddressClass::relay);
  EXPECT_EQ(r->classify("sub.relay.example"), AddressClass::relay);
  EXPECT_EQ(r->classify("sub.example.test"), AddressClass::default_);
  EXPECT_EQ(r->classify("elsewhere.example"), AddressClass::default_);
  EXPECT_TRUE(r->authorized_destination("relay.example"));
  EXPECT_TRUE(r->authorized_destination("EXAMPLE.TEST"));
  EXPECT_FALSE(r->authorized_destination("elsewhere.example"));
}

TEST(AddressResolver, RelayDomainsWithoutParentMatching) {
  config::Params p = params();
  p.parent_domain_matches_subdomains = {};
  auto r = AddressResolver::make(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->classify("sub.relay.example"), AddressClass::default_);
}

TEST(AddressResolver, RoutesEachClass) {
  config::Params p = params();
  auto r = AddressResolver::make(p);
  ASSERT_TRUE(r.ok());
  Route local = r->resolve("bob@Example.Test");
  EXPECT_EQ(local.cls, AddressClass::local);
  EXPECT_EQ(local.transport, "local");
  EXPECT_EQ(local.recipient, "bob@Example.Test");
  Route relay = r->resolve("x@relay.example");
  EXPECT_EQ(relay.cls, AddressClass::relay);
  EXPECT_EQ(relay.transport, "relay");
  EXPECT_EQ(relay.nexthop, "relay.example");
  Route other = r->resolve("y@elsewhere.example");
  EXPECT_EQ(other.transport, "smtp");
  EXPECT_EQ(other.nexthop, "elsewhere.example");
  p.relayhost = "[smarthost.example]:587";
  auto rh = AddressResolver::make(p);
  ASSERT_TRUE(rh.ok());
  EXPECT_EQ(rh->resolve("y@elsewhere.example").nexthop, "[smarthost.example]:587");
}

TEST(AddressResolver, VirtualMailboxDomainsGoToTheVirtualTransport) {
  config::Params p = params();
  p.virtual_mailbox_domains = {"virt.example"};
  p.virtual_transport = "virtual";
  auto r = AddressResolver::make(p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->classify("VIRT.example"), AddressClass::virtual_);
  EXPECT_TRUE(r->authorized_destination("virt.example"));
  EXPECT_EQ(r->classify("sub.virt.example"), AddressClass::default_);
  Route v = r->resolve("joe@Virt.Example");
  EXPECT_EQ(v.cls, AddressClass::virtual_);
  EXPECT_EQ(v.transport, "virtual");
  EXPECT_EQ(v.nexthop, "Virt.Example");
  p.virtual_transport = "lmtp:unix:private/dovecot-lmtp";
  auto lmtp = AddressResolver::make(p);
  ASSERT_TRUE(lmtp.ok());
  EXPECT_EQ(lmtp->resolve("joe@virt.example").transport, "lmtp");
  EXPECT_EQ(lmtp->resolve("joe@virt.example").nexthop, "unix:private/dovecot-lmtp");
  // mydestination wins over virtual_mailbox_domains, as in Postfix's class order.
  p.virtual_mailbox_domains = {"example.test"};
  auto both = AddressResolver::make(p);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->classify("example.test"), AddressClass::local);
  // The local class carries local_transport's nexthop.
  EXPECT_EQ(both->resolve("bob@example.test").nexthop, "$myhostname");
}

TEST(LocalLookupKeys, FullThenBaseLowerCased) {
  EXPECT_EQ(local_lookup_keys("User+Ext", "+"), (std::vector<std::string>{"user+ext", "user"}));
  EXPECT_EQ(local_lookup_keys("user", "+"), (std::vector<std::string>{"user"}));
  EXPECT_EQ(local_lookup_keys("user+", "+"), (std::vector<std::string>{"user+", "user"}));
  EXPECT_EQ(local_lookup_keys("user+ext", ""), (std::vector<std::string>{"user+ext"}));
  EXPECT_EQ(local_lookup_keys("a-b+c", "+-"), (std::vector<std::string>{"a-b+c", "a"}));
}

LocalRecipients recipients(std::vector<std::string> maps, std::string delim = "+") {
  config::Params p;
  p.local_recipient_maps = std::move(maps);
  p.recipient_delimiter = std::move(delim);
  auto lr = LocalRecipients::make(p, maps::OpenContext{});
  EXPECT_TRUE(lr.ok()) << (lr.ok() ? "" : lr.error().message);
  return std::move(*lr);
}

TEST(LocalRecipients, KnownByLocalPartFullAddressOrBase) {
  LocalRecipients lr = recipients({"inline:{ alice=1, carol@example.test=1 }"});
  EXPECT_EQ(lr.known("alice@example.test"), true);
  EXPECT_EQ(lr.known("ALICE@example.test"), true);
  EXPECT_EQ(lr.known("alice+news@example.test"), true);
  EXPECT_EQ(lr.known("carol@example.test"), true);
  EXPECT_EQ(lr.known("carol@other.test"), false);
  EXPECT_EQ(lr.known("mallory@example.test"), false);
  EXPECT_EQ(lr.known("alice"), true);
}

TEST(LocalRecipients, WithoutDelimiterTheExtensionIsPartOfTheName) {
  LocalRecipients lr = recipients({"inline:{ alice=1 }"}, "");
  EXPECT_EQ(lr.known("alice+news@example.test"), false);
}

TEST(LocalRecipients, EmptyMapsAcceptEveryone) {
  EXPECT_EQ(recipients({}).known("anyone@example.test"), true);
}

TEST(LocalRecipients, TableErrorIsUnknownNotFalse) {
  EXPECT_EQ(recipients({"fail:x"}).known("alice@example.test"), std::nullopt);
}

TEST(LocalRecipients, BadTableIsAConfigurationError) {
  config::Params p;
  p.local_recipient_maps = {"hash:/etc/aliases"};
  auto lr = LocalRecipients::make(p, maps::OpenContext{});
  ASSERT_FALSE(lr.ok());
  EXPECT_EQ(lr.error().message.rfind("local_recipient_maps: table \"hash:/etc/aliases\"", 0), 0u);
}

}  // namespace
}  // namespace tern::route
