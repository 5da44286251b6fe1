// IP addresses and CIDR networks.
#include "base/net.hpp"

#include <gtest/gtest.h>

namespace tern {
namespace {

IpAddress ip(std::string_view s) {
  auto a = IpAddress::parse(s);
  EXPECT_TRUE(a.has_value()) << s;
  return a.value_or(IpAddress{});
}

Cidr cidr(std::string_view s) {
  auto c = Cidr::parse(s);
  EXPECT_TRUE(c.ok()) << s << ": " << (c.ok() ? "" : c.error().message);
  return c.ok() ? *c : Cidr{};
}

TEST(IpAddress, ParsesV4AndV6) {
  IpAddress a = ip("192.0.2.7");
  EXPECT_FALSE(a.v6);
  EXPECT_EQ(a.bytes[0], 192);
  EXPECT_EQ(a.bytes[3], 7);
  EXPECT_EQ(a.to_string(), "192.0.2.7");
  IpAddress b = ip("2001:DB8::1");
  EXPECT_TRUE(b.v6);
  EXPECT_EQ(b.to_string(), "2001:db8::1");
}

TEST(IpAddress, AcceptsBracketsAndIpv6Prefix) {
  EXPECT_EQ(ip("[::1]").to_string(), "::1");
  EXPECT_EQ(ip("IPv6:::1").to_string(), "::1");
}

TEST(IpAddress, RejectsNamesAndJunk) {
  for (const char* s : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "example.com", "[1.2.3.4", "::g",
                        "1.2.3.4 "})
    EXPECT_FALSE(IpAddress::parse(s).has_value()) << s;
  EXPECT_FALSE(IpAddress::parse(std::string(100, '1')).has_value());
}

TEST(IpAddress, UnmapsV4MappedV6) {
  IpAddress m = ip("::ffff:192.0.2.1");
  EXPECT_TRUE(m.v6);
  IpAddress u = m.unmapped();
  EXPECT_FALSE(u.v6);
  EXPECT_EQ(u.to_string(), "192.0.2.1");
  EXPECT_EQ(ip("2001:db8::1").unmapped().to_string(), "2001:db8::1");
  EXPECT_EQ(ip("10.0.0.1").unmapped().to_string(), "10.0.0.1");
}

TEST(Cidr, ParsesNetworksAndHosts) {
  Cidr a = cidr("127.0.0.0/8");
  EXPECT_EQ(a.prefix, 8);
  EXPECT_EQ(a.to_string(), "127.0.0.0/8");
  EXPECT_EQ(cidr("192.0.2.7").prefix, 32);
  EXPECT_EQ(cidr("[::1]/128").to_string(), "[::1]/128");
  EXPECT_EQ(cidr("2001:db8::/32").to_string(), "[2001:db8::]/32");
  EXPECT_EQ(cidr("::1").prefix, 128);
}

TEST(Cidr, Contains) {
  Cidr n = cidr("127.0.0.0/8");
  EXPECT_TRUE(n.contains(ip("127.0.0.1")));
  EXPECT_TRUE(n.contains(ip("127.255.255.255")));
  EXPECT_FALSE(n.contains(ip("128.0.0.1")));
  Cidr odd = cidr("172.16.0.0/12");
  EXPECT_TRUE(odd.contains(ip("172.31.255.255")));
  EXPECT_FALSE(odd.contains(ip("172.32.0.0")));
  EXPECT_TRUE(cidr("0.0.0.0/0").contains(ip("203.0.113.9")));
  EXPECT_TRUE(cidr("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(cidr("2001:db8::/32").contains(ip("2001:db9::1")));
}

TEST(Cidr, V4NetworkContainsV4MappedAddress) {
  EXPECT_TRUE(cidr("127.0.0.0/8").contains(ip("::ffff:127.0.0.1")));
  EXPECT_FALSE(cidr("127.0.0.0/8").contains(ip("::ffff:10.0.0.1")));
}

TEST(Cidr, FamiliesDoNotMix) {
  EXPECT_FALSE(cidr("::/0").contains(ip("10.0.0.1")));
  EXPECT_FALSE(cidr("0.0.0.0/0").contains(ip("::1")));
}

TEST(Cidr, HostBitsAreAnErrorWithASuggestion) {
  auto c = Cidr::parse("10.1.2.3/8");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "non-null host address bits in \"10.1.2.3/8\", perhaps you mean \"10.0.0.0/8\" instead");
  auto v6 = Cidr::parse("[2001:db8::1]/32");
  ASSERT_FALSE(v6.ok());
  EXPECT_EQ(v6.error().message, "non-null host address bits in \"[2001:db8::1]/32\", perhaps you "
                                "mean \"[2001:db8::]/32\" instead");
}

TEST(Cidr, BadPrefixOrAddress) {
  for (const char* s : {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/x", "::/129"}) {
    auto c = Cidr::parse(s);
    ASSERT_FALSE(c.ok()) << s;
    EXPECT_EQ(c.error().message, "bad network prefix length: \"" + std::string(s) + "\"");
  }
  for (const char* s : {"/8", "example.com/8", "", "1.2.3/24"}) {
    auto c = Cidr::parse(s);
    ASSERT_FALSE(c.ok()) << s;
    EXPECT_EQ(c.error().message, "bad network address: \"" + std::string(s) + "\"");
  }
}

}  // namespace
}  // namespace tern
