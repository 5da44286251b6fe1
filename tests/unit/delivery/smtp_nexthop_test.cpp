// Nexthop parsing (delivery/smtp/nexthop.hpp) and the /etc/hosts resolver (hosts.hpp).
#include "delivery/smtp/nexthop.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "delivery/smtp/hosts.hpp"
#include "../temp_dir.hpp"

namespace tern::delivery::smtp {
namespace {

TEST(SmtpNexthop, GoodForms) {
  auto n = parse_nexthop("[mx.Example.net]:587", "smtp", false);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->host, "mx.example.net");
  EXPECT_TRUE(n->bracketed);
  EXPECT_EQ(n->port, 587);
  EXPECT_EQ(n->key(), "[mx.example.net]:587");

  n = parse_nexthop("[192.0.2.1]", "smtp", false);
  ASSERT_TRUE(n);
  ASSERT_TRUE(n->literal);
  EXPECT_EQ(n->port, 25);

  n = parse_nexthop("[ipv6:2001:db8::1]:2525", "smtp", false);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_TRUE(n->literal->v6);
  EXPECT_EQ(n->port, 2525);
  EXPECT_EQ(n->key(), "[ipv6:2001:db8::1]:2525");

  n = parse_nexthop("relay.example.net:submission", "smtp", false);
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->bracketed);
  EXPECT_EQ(n->port, 587);

  n = parse_nexthop("example.org", "2525", false);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->port, 2525);
  EXPECT_FALSE(n->literal);
}

TEST(SmtpNexthop, LmtpForms) {
  auto n = parse_nexthop("unix:private/dovecot-lmtp", "24", true);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, Nexthop::unix_socket);
  EXPECT_EQ(n->path, "private/dovecot-lmtp");
  n = parse_nexthop("inet:localhost:10024", "24", true);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->host, "localhost");
  EXPECT_EQ(n->port, 10024);
  n = parse_nexthop("inet:[127.0.0.1]", "24", true);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->port, 24);
  EXPECT_FALSE(parse_nexthop("unix:/tmp/x", "25", false));  // smtp has no unix: nexthops
}

TEST(SmtpNexthop, Malformed) {
  for (const char* bad : {"", "[", "[]", "[mx.example.net", "[mx]x", "[mx]:", "mx:", "mx:0", "mx:70000",
                          "mx:nosuchservice", "2001:db8::1", "[ipv6:nonsense]", "bad host", "a..b", "-x.example",
                          "unix:", "[ipv6:1.2.3.4]"}) {
    auto n = parse_nexthop(bad, "smtp", true);
    EXPECT_FALSE(n) << "accepted: " << bad;
  }
  auto n = parse_nexthop("[mx", "smtp", false);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().message, "malformed nexthop \"[mx\": missing \"]\"");
}

TEST(SmtpHosts, ParsesHostsText) {
  std::string text =
      "127.0.0.1 localhost # loopback\n"
      "::1 localhost ip6-localhost\n"
      "# 192.0.2.9 commented.example\n"
      "192.0.2.7\tMX.example.net mx\n"
      "garbage line\n"
      "127.0.0.1 localhost\n";
  auto a = hosts_lookup(text, "localhost");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].to_string(), "127.0.0.1");
  EXPECT_TRUE(a[1].v6);
  EXPECT_EQ(hosts_lookup(text, "mx.EXAMPLE.net").size(), 1u);
  EXPECT_TRUE(hosts_lookup(text, "commented.example").empty());
}

TEST(SmtpHosts, ResolverUsesLiteralsAndTheFileOnly) {
  tern::testing::TempDir dir;
  std::string path = dir.path() + "/hosts";
  std::ofstream(path) << "192.0.2.7 relay.example\n";
  HostsFileResolver r(path);
  auto res = r.resolve(*parse_nexthop("[relay.example]:25", "smtp", false));
  ASSERT_EQ(res.hosts.size(), 1u);
  EXPECT_EQ(res.hosts[0].host, "relay.example");
  res = r.resolve(*parse_nexthop("[198.51.100.1]", "smtp", false));
  ASSERT_EQ(res.hosts.size(), 1u);
  EXPECT_EQ(res.hosts[0].addr.to_string(), "198.51.100.1");
  res = r.resolve(*parse_nexthop("example.com", "smtp", false));
  EXPECT_TRUE(res.hosts.empty());
  EXPECT_EQ(res.dsn, "4.4.3");
  EXPECT_NE(res.error.find("is not in " + path + " and DNS lookups are off (smtp_dns_support_level = disabled)"), std::string::npos);
}

}  // namespace
}  // namespace tern::delivery::smtp
