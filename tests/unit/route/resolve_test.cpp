// Domain lists, address classes and local recipient lookups.
#include "route/recipients.hpp"
#include "route/resolve.hpp"

#include <gtest/gtest.h>

namespace tern::route {
namespace {

DomainList domains(std::vector<std::string> e, bool sub = false) {
  auto d = DomainList::make(e, "mydestination", sub, maps::OpenContext{});
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  return d.ok() ? *d : DomainList{};
}

TEST(DomainList, MatchesCaseInsensitivelyAndIgnoresTrailingDot) {
  DomainList d = domains({"Example.TEST", "localhost"});
  EXPECT_TRUE(*d.matches("example.test"));
  EXPECT_TRUE(*d.matches("EXAMPLE.test"));
  EXPECT_TRUE(*d.matches("example.test."));
  EXPECT_TRUE(*d.matches("LOCALHOST"));
  EXPECT_FALSE(*d.matches("sub.example.test"));
  EXPECT_FALSE(*d.matches("xexample.test"));
  EXPECT_FALSE(*d.matches(""));
}

TEST(DomainList, LeadingDotMatchesSubdomainsOnly) {
  DomainList d = domains({".example.test"});
  EXPECT_TRUE(*d.matches("a.example.test"));
  EXPECT_TRUE(*d.matches("a.b.example.test"));
  EXPECT_FALSE(*d.matches("example.test"));
  EXPECT_FALSE(*d.matches("badexample.test"));
}

TEST(DomainList, SubdomainFlagMatchesParentAndChildren) {
  DomainList d = domains({"example.test"}, true);
  EXPECT_TRUE(*d.matches("example.test"));
  EXPECT_TRUE(*d.matches("a.example.test"));
  EXPECT_TRUE(*d.matches("A.B.Example.Test."));
  EXPECT_FALSE(*d.matches("badexample.test"));
  EXPECT_FALSE(*d.matches("example.test.evil"));
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
  EXPECT_EQ(*r->classify("example.test"), AddressClass::local);
  EXPECT_EQ(*r->classify(""), AddressClass::local);
  EXPECT_EQ(*r->classify("relay.example"), AddressClass::relay);
  EXPECT_EQ(*r->classify("sub.relay.example"), AddressClass::relay);
  EXPECT_EQ(*r->classify("sub.example.test"), AddressClass::default_);
  EXPECT_EQ(*r->classify("elsewhere.example"), AddressClass::default_);
  EXPECT_TRUE(*r->authorized_destination("relay.example"));
  EXPECT_TRUE(*r->authorized_destination("EXAMPLE.TEST"));
  EXPECT_FALSE(*r->authorized_destination("elsewhere.example"));
}

TEST(AddressResolver, RelayDomainsWithoutParentMatching) {
  config::Params p = params();
  p.parent_domain_matches_subdomains = {};
  auto r = AddressResolver::make(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->classify("sub.relay.example"), AddressClass::default_);
}

TEST(AddressResolver, RoutesEachClass) {
  config::Params p = params();
  auto r = AddressResolver::make(p);
  ASSERT_TRUE(r.ok());
  Route local = *r->resolve("bob@Example.Test");
  EXPECT_EQ(local.cls, AddressClass::local);
  EXPECT_EQ(local.transport, "local");
  EXPECT_EQ(local.recipient, "bob@Example.Test");
  Route relay = *r->resolve("x@relay.example");
  EXPECT_EQ(relay.cls, AddressClass::relay);
  EXPECT_EQ(relay.transport, "relay");
  EXPECT_EQ(relay.nexthop, "relay.example");
  Route other = *r->resolve("y@elsewhere.example");
  EXPECT_EQ(other.transport, "smtp");
  EXPECT_EQ(other.nexthop, "elsewhere.example");
  p.relayhost = "[smarthost.example]:587";
  auto rh = AddressResolver::make(p);
  ASSERT_TRUE(rh.ok());
  EXPECT_EQ(rh->resolve("y@elsewhere.example")->nexthop, "[smarthost.example]:587");
}

TEST(AddressResolver, VirtualMailboxDomainsGoToTheVirtualTransport) {
  config::Params p = params();
  p.virtual_mailbox_domains = {"virt.example"};
  p.virtual_transport = "virtual";
  auto r = AddressResolver::make(p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r->classify("VIRT.example"), AddressClass::virtual_mailbox);
  EXPECT_TRUE(*r->authorized_destination("virt.example"));
  EXPECT_EQ(*r->classify("sub.virt.example"), AddressClass::default_);
  Route v = *r->resolve("joe@Virt.Example");
  EXPECT_EQ(v.cls, AddressClass::virtual_mailbox);
  EXPECT_EQ(v.transport, "virtual");
  EXPECT_EQ(v.nexthop, "virt.example");
  p.virtual_transport = "lmtp:unix:private/dovecot-lmtp";
  auto lmtp = AddressResolver::make(p);
  ASSERT_TRUE(lmtp.ok());
  EXPECT_EQ(lmtp->resolve("joe@virt.example")->transport, "lmtp");
  EXPECT_EQ(lmtp->resolve("joe@virt.example")->nexthop, "unix:private/dovecot-lmtp");
  // mydestination wins over virtual_mailbox_domains, as in Postfix's class order.
  p.virtual_mailbox_domains = {"example.test"};
  auto both = AddressResolver::make(p);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(*both->classify("example.test"), AddressClass::local);
  // The local class carries local_transport's nexthop.
  EXPECT_EQ(both->resolve("bob@example.test")->nexthop, "$myhostname");
}

TEST(LocalLookupKeys, FullThenBaseLowerCased) {
  EXPECT_EQ(local_lookup_keys("User+Ext", "+"), (std::vector<std::string>{"user+ext", "user"}));
  EXPECT_EQ(local_lookup_keys("user", "+"), (std::vector<std::string>{"user"}));
  EXPECT_EQ(local_lookup_keys("user+", "+"), (std::vector<std::string>{"user+", "user"}));
  EXPECT_EQ(local_lookup_keys("user+ext", ""), (std::vector<std::string>{"user+ext"}));
  EXPECT_EQ(local_lookup_keys("a-b+c", "+-"), (std::vector<std::string>{"a-b+c", "a"}));
}

RecipientTables tables(const config::Params& p) {
  auto t = RecipientTables::make(p, maps::OpenContext{});
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return std::move(*t);
}

Listing check(const config::Params& p, std::string_view addr) {
  auto r = AddressResolver::make(p);
  EXPECT_TRUE(r.ok());
  auto l = tables(p).check(*r, addr);
  EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
  return l.ok() ? *l : Listing::known;
}

TEST(RecipientTables, LocalUsersByLocalPartFullAddressOrBase) {
  config::Params p = params();
  p.recipient_delimiter = "+";
  p.local_recipient_maps = {"inline:{ alice=1, carol@example.test=1 }"};
  EXPECT_EQ(check(p, "alice@example.test"), Listing::known);
  EXPECT_EQ(check(p, "ALICE@example.test"), Listing::known);
  EXPECT_EQ(check(p, "alice+news@example.test"), Listing::known);
  EXPECT_EQ(check(p, "carol@example.test"), Listing::known);
  EXPECT_EQ(check(p, "carol@localhost"), Listing::unknown_local);
  EXPECT_EQ(check(p, "mallory@example.test"), Listing::unknown_local);
  EXPECT_EQ(check(p, "alice"), Listing::known);
  EXPECT_EQ(check(p, "anyone@elsewhere.example"), Listing::known);  // not ours to say
  p.recipient_delimiter = "";
  EXPECT_EQ(check(p, "alice+news@example.test"), Listing::unknown_local);
}

TEST(RecipientTables, EmptyMapsAcceptEveryone) {
  config::Params p = params();
  EXPECT_EQ(check(p, "anyone@example.test"), Listing::known);
  EXPECT_EQ(check(p, "anyone@relay.example"), Listing::known);
}

TEST(RecipientTables, EachClassHasItsTableAndReply) {
  config::Params p = params();
  p.virtual_alias_domains = {"alias.example"};
  p.virtual_alias_maps = {"inline:{ info@alias.example=alice }"};
  p.virtual_mailbox_domains = {"mbox.example"};
  p.virtual_mailbox_maps = {"inline:{ u@mbox.example=mbox.example/u/ }"};
  p.relay_recipient_maps = {"inline:{ ok@relay.example=x }"};
  EXPECT_EQ(check(p, "info@alias.example"), Listing::known);
  EXPECT_EQ(check(p, "nobody@alias.example"), Listing::unknown_virtual_alias);
  EXPECT_EQ(check(p, "u@mbox.example"), Listing::known);
  EXPECT_EQ(check(p, "v@mbox.example"), Listing::unknown_virtual_mailbox);
  EXPECT_EQ(check(p, "ok@relay.example"), Listing::known);
  EXPECT_EQ(check(p, "no@relay.example"), Listing::unknown_relay);
  EXPECT_STREQ(unknown_user_text(Listing::unknown_virtual_mailbox), "User unknown in virtual mailbox table");
  // A virtual alias for an address in a mailbox domain makes it known too.
  p.virtual_alias_maps = {"inline:{ alias@mbox.example=u@mbox.example }"};
  EXPECT_EQ(check(p, "alias@mbox.example"), Listing::known);
}

TEST(RecipientTables, TableErrorIsAnError) {
  config::Params p = params();
  p.local_recipient_maps = {"fail:x"};
  auto r = AddressResolver::make(p);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(tables(p).check(*r, "alice@example.test").ok());
}

TEST(RecipientTables, BadTableIsAConfigurationError) {
  config::Params p;
  p.local_recipient_maps = {"nosuchtype:/etc/aliases"};
  auto lr = RecipientTables::make(p, maps::OpenContext{});
  ASSERT_FALSE(lr.ok());
}

}  // namespace
}  // namespace tern::route
