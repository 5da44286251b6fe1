// policyd-weight's text heuristics as check_reputation reads them.
#include "policy/reputation_names.hpp"

#include <gtest/gtest.h>

namespace tern::policy::reputation {
namespace {

TEST(ReputationNames, DialupAndServerNames) {
  EXPECT_TRUE(dialup_like("dsl-198-51-100-7.dyn.isp.example"));
  EXPECT_TRUE(dialup_like("p5089.dip.t-dialin.example"));
  EXPECT_TRUE(dialup_like("cpe.cable.isp.example"));
  EXPECT_FALSE(dialup_like("dyn.example"));  // needs two more labels
  EXPECT_TRUE(server_like("mail.dyn.isp.example"));
  EXPECT_TRUE(server_like("static.isp.example.net"));
  EXPECT_FALSE(server_like("nstat.isp.example"));
  EXPECT_TRUE(address_in_name("host-192-0-2-7.example"));
  EXPECT_FALSE(address_in_name("192-0-2.example"));
}

TEST(ReputationNames, NumericHeloAndRandomSenders) {
  EXPECT_TRUE(numeric_helo("192.0.2.7"));
  EXPECT_TRUE(numeric_helo("[192.0.2.7]"));
  EXPECT_FALSE(numeric_helo("mx1.example"));
  EXPECT_TRUE(random_local_part("xkcdqwrtz@example.org"));
  EXPECT_TRUE(random_local_part("aeiou@example.org"));
  EXPECT_FALSE(random_local_part("alice@example.org"));
  EXPECT_FALSE(random_local_part("alice@bcdfgjkl.example"));  // only before the '@'
}

TEST(ReputationNames, DomainReduction) {
  EXPECT_EQ(strip_suffix("mail.example.co.uk", true), "example");
  EXPECT_EQ(strip_suffix("mail.example.com.br", true), "example");
  EXPECT_EQ(strip_suffix("mail.example.com", true), "example");
  EXPECT_EQ(strip_suffix("mx.example.com", false), "mx.example");
  EXPECT_EQ(strip_suffix("host.other.example", false), "host.other.example");  // 7 letters: kept
  EXPECT_EQ(second_label("tset.elpmaxe.xm"), "elpmaxe");
  EXPECT_EQ(second_label("localhost"), "localhost");
  EXPECT_EQ(second_label("a..b"), "a..b");
  EXPECT_TRUE(has_label_text("mx.example.test", "example"));
  EXPECT_TRUE(has_label_text("mx.EXAMPLE", "example"));
  EXPECT_FALSE(has_label_text("mx.myexample.test", "example"));
}

TEST(ReputationNames, AddressesAndQueryNames) {
  EXPECT_EQ(address_text(*IpAddress::parse("2001:db8::1")), "2001:0db8:0000:0000:0000:0000:0000:0001");
  EXPECT_EQ(address_text(*IpAddress::parse("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(reversed(*IpAddress::parse("192.0.2.7")), "7.2.0.192");
  EXPECT_EQ(reversed(*IpAddress::parse("2001:db8::1")).substr(0, 8), "1.0.0.0.");
  EXPECT_TRUE(cannot_exist("198.51.100.7"));
  EXPECT_TRUE(cannot_exist("100.7"));
  EXPECT_FALSE(cannot_exist("mx.example"));
  EXPECT_FALSE(cannot_exist("7.2.0.192.in-addr.arpa"));
  EXPECT_FALSE(valid_query_name(std::string(64, 'a') + ".example"));
  EXPECT_FALSE(valid_query_name("a..example"));
  EXPECT_TRUE(valid_query_name("a.example"));
}

}  // namespace
}  // namespace tern::policy::reputation
