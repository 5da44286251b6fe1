// The MX-aware host resolver (delivery/smtp/dns_hosts.hpp) over the in-memory DNS: MX order
// with shuffled equal preferences, implicit MX, null MX, NXDOMAIN, temporary failures and
// ignore_mx_lookup_error, bracketed nexthops, literals, inet_protocols, the hosts-file
// fallback, the DNSSEC flags DANE reads, and the parameters that choose the resolver.
#include "delivery/smtp/dns_hosts.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "../temp_dir.hpp"
#include "../test_params.hpp"
#include "config/config.hpp"
#include "dns/memory_resolver.hpp"

namespace tern::delivery::smtp {
namespace {

class DnsHosts : public ::testing::Test {
 protected:
  void SetUp() override {
    add("example.test", "MX", "20 mx2.example.test");
    add("example.test", "MX", "10 mx1.example.test");
    add("mx1.example.test", "A", "192.0.2.1");
    add("mx1.example.test", "AAAA", "2001:db8::1");
    add("mx2.example.test", "A", "192.0.2.2");
    add("plain.test", "A", "192.0.2.9");  // no MX: implicit
    add("nullmx.test", "MX", "0 .");
    add("signed.test", "MX", "10 mx.signed.test");
    add("mx.signed.test", "A", "192.0.2.20");
    add("mixed.test", "MX", "10 mx.elsewhere.test");
    add("mx.elsewhere.test", "A", "192.0.2.30");
    dns_->set_security("signed.test", dns::Security::secure);
    dns_->set_security("plain.test", dns::Security::secure);
    dns_->set_security("mixed.test", dns::Security::secure);
  }
  void add(std::string_view name, std::string_view type, std::string_view value) {
    ASSERT_TRUE(dns_->add(name, type, value).ok()) << name;
  }
  Resolution resolve(std::string_view nexthop, DnsHostOptions o = {}) {
    DnsHostResolver r(dns_, std::move(o));
    return r.resolve(*parse_nexthop(nexthop, "smtp", false));
  }
  static std::vector<std::string> list(const Resolution& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hosts) out.push_back(h.host + "[" + h.addr.to_string() + "]");
    return out;
  }

  std::shared_ptr<dns::MemoryResolver> dns_ = std::make_shared<dns::MemoryResolver>();
};

TEST_F(DnsHosts, MxHostsByPreferenceWithTheirAddresses) {
  auto r = resolve("example.test");
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(list(r), (std::vector<std::string>{"mx1.example.test[192.0.2.1]", "mx1.example.test[2001:db8::1]",
                                               "mx2.example.test[192.0.2.2]"}));
}

TEST_F(DnsHosts, EqualPreferencesComeInRandomOrder) {
  add("equal.test", "MX", "10 a.equal.test");
  add("equal.test", "MX", "10 b.equal.test");
  add("equal.test", "MX", "5 first.equal.test");
  for (auto h : {"a", "b", "first"}) add(std::string(h) + ".equal.test", "A", "192.0.2.5");
  std::set<std::string> seconds;
  DnsHostResolver r(dns_, {});
  for (int i = 0; i < 64 && seconds.size() < 2; ++i) {
    auto res = r.resolve(*parse_nexthop("equal.test", "smtp", false));
    ASSERT_EQ(res.hosts.size(), 3u);
    EXPECT_EQ(res.hosts[0].host, "first.equal.test");
    seconds.insert(res.hosts[1].host);
  }
  EXPECT_EQ(seconds, (std::set<std::string>{"a.equal.test", "b.equal.test"}));
}

TEST(OrderMx, SortsByPreferenceKeepingEveryRecord) {
  std::mt19937 rng(7);
  auto out = order_mx({{30, "c"}, {10, "a"}, {20, "b"}, {10, "a2"}}, rng);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].preference, 10);
  EXPECT_EQ(out[1].preference, 10);
  EXPECT_EQ(out[2].host, "b");
  EXPECT_EQ(out[3].host, "c");
}

TEST_F(DnsHosts, NoMxMeansTheDomainItself) {
  auto r = resolve("plain.test");
  EXPECT_EQ(list(r), (std::vector<std::string>{"plain.test[192.0.2.9]"}));
}

TEST_F(DnsHosts, NullMxBounces) {
  auto r = resolve("nullmx.test");
  EXPECT_TRUE(r.hosts.empty());
  EXPECT_EQ(r.dsn, "5.1.10");
  EXPECT_EQ(r.error, "Domain nullmx.test does not accept mail (nullMX)");
}

TEST_F(DnsHosts, NullMxAmongOthersIsIgnored) {
  add("half.test", "MX", "0 .");
  add("half.test", "MX", "10 mx2.example.test");
  EXPECT_EQ(list(resolve("half.test")), (std::vector<std::string>{"mx2.example.test[192.0.2.2]"}));
}

TEST_F(DnsHosts, NxdomainBouncesInPostfixWords) {
  auto r = resolve("nosuch.invalid");
  EXPECT_EQ(r.dsn, "5.4.4");
  EXPECT_EQ(r.error, "Host or domain name not found. Name service error for name=nosuch.invalid type=MX: Host not found");
}

TEST_F(DnsHosts, NameWithoutAddressesBounces) {
  add("noaddr.test", "TXT", "only text");
  auto r = resolve("noaddr.test");
  EXPECT_EQ(r.dsn, "5.4.4");
  EXPECT_EQ(r.error, "Host or domain name not found. Name service error for name=noaddr.test type=A: Host not found");
  add("deadmx.test", "MX", "10 gone.deadmx.test");
  r = resolve("deadmx.test");
  EXPECT_EQ(r.dsn, "5.4.4");
  EXPECT_EQ(r.error, "Host or domain name not found. Name service error for name=gone.deadmx.test type=A: Host not found");
}

TEST_F(DnsHosts, TemporaryMxFailureDefers) {
  dns_->fail("plain.test", dns::Type::MX);
  auto r = resolve("plain.test");
  EXPECT_EQ(r.dsn, "4.4.3");
  EXPECT_EQ(r.error, "Host or domain name not found. Name service error for name=plain.test type=MX: Host not found, try again");
  DnsHostOptions o;
  o.ignore_mx_lookup_error = true;
  EXPECT_EQ(list(resolve("plain.test", o)), (std::vector<std::string>{"plain.test[192.0.2.9]"}));
}

TEST_F(DnsHosts, BogusSaysSo) {
  dns_->set_security("bogus.test", dns::Security::bogus);
  add("bogus.test", "MX", "10 mx.bogus.test");
  auto r = resolve("bogus.test");
  EXPECT_EQ(r.dsn, "4.4.3");
  EXPECT_NE(r.error.find("type=MX: Host not found, try again (DNSSEC validation failed"), std::string::npos) << r.error;
}

TEST_F(DnsHosts, TemporaryHostFailureDefersOnlyWhenNoHostIsLeft) {
  dns_->fail("mx1.example.test", dns::Type::A);
  dns_->fail("mx1.example.test", dns::Type::AAAA);
  EXPECT_EQ(list(resolve("example.test")), (std::vector<std::string>{"mx2.example.test[192.0.2.2]"}));
  dns_->fail("mx2.example.test", dns::Type::A);
  auto r = resolve("example.test");
  EXPECT_EQ(r.dsn, "4.4.3");
  EXPECT_EQ(r.error,
            "Host or domain name not found. Name service error for name=mx1.example.test type=A: Host not found, try again");
}

TEST_F(DnsHosts, BracketedSkipsMxAndLiteralsSkipDns) {
  EXPECT_EQ(list(resolve("[mx2.example.test]:2525")), (std::vector<std::string>{"mx2.example.test[192.0.2.2]"}));
  auto r = resolve("[example.test]");  // has MX but no address of its own
  EXPECT_EQ(r.dsn, "5.4.4");
  size_t before = dns_->queries();
  EXPECT_EQ(list(resolve("[192.0.2.77]")), (std::vector<std::string>{"192.0.2.77[192.0.2.77]"}));
  EXPECT_EQ(dns_->queries(), before);
}

TEST_F(DnsHosts, InetProtocolsChooseTheAddressTypes) {
  DnsHostOptions o;
  o.ipv6 = false;
  size_t before = dns_->queries();
  EXPECT_EQ(list(resolve("[mx1.example.test]", o)), (std::vector<std::string>{"mx1.example.test[192.0.2.1]"}));
  EXPECT_EQ(dns_->queries(), before + 1);  // no AAAA asked
  o.ipv6 = true;
  o.ipv4 = false;
  EXPECT_EQ(list(resolve("[mx1.example.test]", o)), (std::vector<std::string>{"mx1.example.test[2001:db8::1]"}));
  auto r = resolve("[mx2.example.test]", o);
  EXPECT_EQ(r.error, "Host or domain name not found. Name service error for name=mx2.example.test type=AAAA: Host not found");
}

TEST_F(DnsHosts, DnssecFlagsOnlyUnderDnssec) {
  DnsHostOptions o;
  o.dnssec = true;
  auto r = resolve("signed.test", o);
  ASSERT_EQ(r.hosts.size(), 1u);
  EXPECT_TRUE(r.hosts[0].mx_secure);
  EXPECT_TRUE(r.hosts[0].addr_secure);
  r = resolve("mixed.test", o);  // secure MX naming a host in an insecure zone
  ASSERT_EQ(r.hosts.size(), 1u);
  EXPECT_TRUE(r.hosts[0].mx_secure);
  EXPECT_FALSE(r.hosts[0].addr_secure);
  r = resolve("plain.test", o);  // implicit MX: the secure proof of no MX counts
  ASSERT_EQ(r.hosts.size(), 1u);
  EXPECT_TRUE(r.hosts[0].mx_secure);
  EXPECT_TRUE(r.hosts[0].addr_secure);
  r = resolve("[mx.signed.test]", o);
  EXPECT_FALSE(r.hosts[0].mx_secure);
  EXPECT_TRUE(r.hosts[0].addr_secure);
  r = resolve("example.test", o);
  EXPECT_FALSE(r.hosts[0].mx_secure);
  EXPECT_FALSE(r.hosts[0].addr_secure);
  r = resolve("signed.test");  // "enabled": DNSSEC ignored
  EXPECT_FALSE(r.hosts[0].mx_secure);
  EXPECT_FALSE(r.hosts[0].addr_secure);
}

TEST_F(DnsHosts, CanonicalNameForDaneTlsaLookups) {
  ASSERT_TRUE(dns_->add("alias.example.test", "CNAME", "mx1.example.test").ok());
  auto r = resolve("[alias.example.test]");
  ASSERT_FALSE(r.hosts.empty());
  EXPECT_EQ(r.hosts[0].host, "alias.example.test");
  EXPECT_EQ(r.hosts[0].canonical, "mx1.example.test");
  EXPECT_EQ(resolve("[mx1.example.test]").hosts[0].canonical, "");
}

TEST_F(DnsHosts, NativeLookupReadsTheHostsFile) {
  tern::testing::TempDir dir;
  std::string path = dir.path() + "/hosts";
  std::ofstream(path) << "192.0.2.50 local.example.test\n";
  add("local.example.test", "TXT", "exists");
  DnsHostOptions o;
  o.hosts_file = path;
  auto r = resolve("local.example.test", o);
  EXPECT_EQ(list(r), (std::vector<std::string>{"local.example.test[192.0.2.50]"}));
  EXPECT_FALSE(r.hosts[0].addr_secure);
  o.dns_addresses = false;  // native only: DNS is not asked for addresses
  EXPECT_EQ(list(resolve("[mx1.example.test]", o)), std::vector<std::string>{});
}

config::Params params(const std::vector<std::pair<std::string, std::string>>& settings) {
  return tern::testing::test_params(settings);
}

TEST(MakeHostResolver, ChosenByTheParameters) {
  auto hosts = make_host_resolver(params({{"smtp_dns_support_level", "disabled"}}), true, true, "/etc/hosts");
  ASSERT_TRUE(hosts.ok());
  EXPECT_NE(dynamic_cast<const HostsFileResolver*>(hosts->get()), nullptr);
  hosts = make_host_resolver(params({{"disable_dns_lookups", "yes"}}), true, true, "/etc/hosts");
  ASSERT_TRUE(hosts.ok());
  EXPECT_NE(dynamic_cast<const HostsFileResolver*>(hosts->get()), nullptr);
  for (const char* level : {"", "enabled", "dnssec"}) {
    auto dns = make_host_resolver(params({{"smtp_dns_support_level", level}, {"dns_forward_servers", "127.0.0.1@25199"}}),
                                  true, true, "/etc/hosts");
    ASSERT_TRUE(dns.ok()) << level << ": " << dns.error().message;
    EXPECT_NE(dynamic_cast<const DnsHostResolver*>(dns->get()), nullptr);
  }
  auto bad = make_host_resolver(params({{"smtp_dns_support_level", "dane"}}), true, true, "/etc/hosts");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "smtp_dns_support_level: unknown value \"dane\" (want disabled, enabled or dnssec)");
  bad = make_host_resolver(params({{"smtp_host_lookup", "dns, nis"}, {"dns_forward_servers", "127.0.0.1@25199"}}),
                           true, true, "/etc/hosts");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "smtp_host_lookup: unknown lookup method \"nis\" (want dns, native or both)");
}

}  // namespace
}  // namespace tern::delivery::smtp
