// The SPF record grammar: what parses, and malformed records that must be errors
// (check_host() turns them into permerror).
#include "spf/record.hpp"

#include <gtest/gtest.h>

namespace tern::spf {
namespace {

TEST(SpfRecord, SelectsVersionOneRecords) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("V=SpF1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf10"));
  EXPECT_FALSE(is_spf_record("v=spf1-all"));
  EXPECT_FALSE(is_spf_record("spf1 -all"));
  EXPECT_FALSE(is_spf_record(""));
}

TEST(SpfRecord, ParsesMechanismsModifiersAndQualifiers) {
  auto r = parse_record(" +a -mx:example.org/24//64 ~ptr ?ip4:192.0.2.0/24 ip6:2001:db8::/32 "
                        "exists:%{i}.bl.example include:_spf.example.org all redirect=_spf.example.net "
                        "exp=why.%{d} foo-bar=%{s}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->directives.size(), 8u);
  EXPECT_EQ(r->directives[0].mechanism, Mechanism::a);
  EXPECT_EQ(r->directives[0].qualifier, Verdict::pass);
  EXPECT_FALSE(r->directives[0].domain);
  EXPECT_EQ(r->directives[1].qualifier, Verdict::fail);
  EXPECT_EQ(r->directives[1].cidr4, 24);
  EXPECT_EQ(r->directives[1].cidr6, 64);
  EXPECT_TRUE(r->directives[1].domain);
  EXPECT_EQ(r->directives[2].qualifier, Verdict::softfail);
  EXPECT_EQ(r->directives[3].qualifier, Verdict::neutral);
  EXPECT_EQ(r->directives[3].cidr4, 24);
  EXPECT_EQ(r->directives[4].network.v6, true);
  EXPECT_EQ(r->directives[4].cidr6, 32);
  EXPECT_EQ(r->directives[5].mechanism, Mechanism::exists);
  EXPECT_EQ(r->directives[7].mechanism, Mechanism::all);
  EXPECT_TRUE(r->redirect);
  EXPECT_TRUE(r->exp);
}

TEST(SpfRecord, DualCidrForms) {
  auto only6 = parse_record("a//64");
  ASSERT_TRUE(only6.ok());
  EXPECT_EQ(only6->directives[0].cidr4, 32);
  EXPECT_EQ(only6->directives[0].cidr6, 64);
  auto slashy = parse_record("a:foo:bar/baz.example.com");  // "/baz..." is part of the name
  ASSERT_TRUE(slashy.ok());
  EXPECT_EQ(slashy->directives[0].cidr4, 32);
  auto zero = parse_record("mx/0");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->directives[0].cidr4, 0);
}

TEST(SpfRecord, MalformedRecordsAreErrors) {
  const char* bad[] = {
      "-all.", "-all:foobar", "-all/8", "all//8",        // all takes nothing
      "a/33", "a//129", "a/24/64", "a/032", "a:", "mx:",  // cidr and empty domains
      "a:foo-bar", "a:abc.123", "a:museum", "a:museum.", "a:example.-com", "a:example.com:8080",
      "ptr/0", "ptr:", "include", "include:", "include:ip5.example.com/24", "exists", "exists:",
      "exists:mail.example.com/24", "ip4", "ip4:", "ip4:1.2.3", "ip4:1.2.3.4/33", "ip4:1.2.3.4//32",
      "ip4:1.2.3.4:8080", "ip4:1.2.3.4/032", "ip4:[1.2.3.4]", "ip4:::1", "ip6", "ip6::CAFE::BABE",
      "ip6:::1/129", "ip6:1.2.3.4", "ip6:[::1]",
      "moo", "1up=foo", "=all", "redirect:t2.example.com", "moo.cow/far_out=man:dog/cat",
      "redirect=", "exp=", "exp=-all", "redirect=-all", "redirect=a.example redirect=a.example",
      "exp=a.example exp=b.example", "foo=%abc", "exp=%{r}.example.com",  // c/r/t only in exp text
      "a:%{a}.example.com", "exists:%(ir).sbl.example.com", "exists:foo%.sbl.example.com",
      "a:foo.example.com\x01", "a:ctrl.example.com\rptr", "\x80" "a:example.net", "a:example.net \x96" "all",
      "a:%{d0}.example.com", "a:%{d2x}.example.com", "a:%{d", "+", "-", "a:%{d}x",
  };
  for (const char* text : bad) EXPECT_FALSE(parse_record(text).ok()) << "accepted: " << text;
}

TEST(SpfRecord, WellFormedOddities) {
  const char* good[] = {
      "", "   ", "a  -all", "a -all ", "moo.cow-far_out=man:dog/cat ip4:1.2.3.4", "default=pass",
      "a:foo.example.xn--zckzah", "a:%{H}.bar", "a:%{d}", "a:macro%%percent%_%_space%-url-space.example.com",
      "redirect=%{d}.d.spf.example.com.", "include:o.spf.example.com.", "exists:%{l2r+-}.user.%{d2}",
      "A:EXAMPLE.COM", "IP4:1.2.3.4", "unknown=", "ip6:::1.1.1.1/0",
  };
  for (const char* text : good) EXPECT_TRUE(parse_record(text).ok()) << "refused: " << text;
}

}  // namespace
}  // namespace tern::spf
