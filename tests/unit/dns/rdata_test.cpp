// Record data in wire form: decoding what comes off the network (and refusing what is
// malformed), encoding what the in-memory resolver serves, reverse names.
#include "dns/rdata.hpp"

#include <gtest/gtest.h>

namespace tern::dns {
namespace {

TEST(Rdata, NamesRoundTripLowerCased) {
  auto w = encode_name("MX.Example.ORG.");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, std::string("\2MX\7Example\3ORG\0", 16));
  EXPECT_EQ(*decode_name(*w), "mx.example.org");
  EXPECT_EQ(*decode_name(*encode_name("")), "");
}

TEST(Rdata, BadNamesAreErrors) {
  EXPECT_FALSE(encode_name("a..b").ok());
  EXPECT_FALSE(encode_name(std::string(64, 'x') + ".org").ok());
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcde.";
  EXPECT_FALSE(encode_name(long_name).ok());
  EXPECT_FALSE(decode_name(std::string("\3ab", 3)).ok());          // label past the end
  EXPECT_FALSE(decode_name(std::string("\xc0\x0c", 2)).ok());      // a compression pointer
  EXPECT_FALSE(decode_name(std::string("\1a\0x", 4)).ok());        // trailing octets
  EXPECT_FALSE(decode_name("").ok());
}

TEST(Rdata, Addresses) {
  auto v4 = *IpAddress::parse("192.0.2.7");
  auto v6 = *IpAddress::parse("2001:db8::1");
  EXPECT_EQ(decode_a(encode_address(v4))->to_string(), "192.0.2.7");
  EXPECT_EQ(decode_aaaa(encode_address(v6))->to_string(), "2001:db8::1");
  EXPECT_FALSE(decode_a("abc").ok());
  EXPECT_FALSE(decode_aaaa("abcd").ok());
}

TEST(Rdata, Mx) {
  auto m = decode_mx(*encode_mx(10, "mx1.example.org"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->preference, 10);
  EXPECT_EQ(m->host, "mx1.example.org");
  auto null_mx = decode_mx(*encode_mx(0, "."));
  ASSERT_TRUE(null_mx.ok());
  EXPECT_EQ(null_mx->host, "");
  EXPECT_FALSE(decode_mx("\0").ok());
  EXPECT_FALSE(decode_mx(std::string("\0\1\3ab", 5)).ok());
}

TEST(Rdata, TxtKeepsStringsApartAndJoinsThem) {
  auto w = encode_txt({"v=spf1 ", "-all"});
  ASSERT_TRUE(w.ok());
  auto parts = decode_txt(*w);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  Answer a;
  a.outcome = Outcome::data;
  a.rdata = {*w};
  EXPECT_EQ(txt_strings(a)->front(), "v=spf1 -all");
  EXPECT_FALSE(encode_txt({std::string(256, 'x')}).ok());
  EXPECT_FALSE(decode_txt(std::string("\5abc", 4)).ok());
  EXPECT_FALSE(decode_txt("").ok());
  auto empty = decode_txt(std::string("\0", 1));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 1u);
}

TEST(Rdata, Tlsa) {
  Tlsa t{3, 1, 1, std::string("\xab\xcd", 2)};
  auto back = decode_tlsa(encode_tlsa(t));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->usage, 3);
  EXPECT_EQ(back->selector, 1);
  EXPECT_EQ(back->mtype, 1);
  EXPECT_EQ(to_hex(back->data), "abcd");
  EXPECT_FALSE(decode_tlsa("\3\1").ok());
}

TEST(Rdata, OneMalformedRecordSpoilsTheAnswer) {
  Answer a;
  a.outcome = Outcome::data;
  a.rdata = {encode_address(*IpAddress::parse("192.0.2.1")), "xyz"};
  EXPECT_FALSE(addresses(a).ok());
}

TEST(Rdata, ReverseNames) {
  EXPECT_EQ(reverse_name(*IpAddress::parse("192.0.2.7")), "7.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name(*IpAddress::parse("2001:db8::1")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

}  // namespace
}  // namespace tern::dns
