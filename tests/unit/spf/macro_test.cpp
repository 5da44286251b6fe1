// Macro-strings: RFC 7208 §7.4's own examples, the transformers, URL escaping, the
// domain-spec truncation, and malformed macros.
#include "spf/macro.hpp"

#include <gtest/gtest.h>

namespace tern::spf {
namespace {

MacroValues rfc_values(const char* ip) {
  MacroValues v;
  v.sender = "strong-bad@email.example.com";
  v.local_part = "strong-bad";
  v.sender_domain = "email.example.com";
  v.domain = "email.example.com";
  v.ip = *IpAddress::parse(ip);
  v.helo = "mx.example.org";
  v.receiver = "mx.example.net";
  v.timestamp = 1234567890;
  return v;
}

std::string x(std::string_view text, const MacroValues& v, MacroUse use = MacroUse::explanation) {
  auto m = parse_macro_string(text, use);
  EXPECT_TRUE(m.ok()) << text << ": " << (m ? "" : m.error().message);
  return m ? expand(*m, v) : "";
}

TEST(SpfMacro, Rfc7208Examples) {
  auto v = rfc_values("192.0.2.3");
  EXPECT_EQ(x("%{s}", v), "strong-bad@email.example.com");
  EXPECT_EQ(x("%{o}", v), "email.example.com");
  EXPECT_EQ(x("%{d}", v), "email.example.com");
  EXPECT_EQ(x("%{d4}", v), "email.example.com");
  EXPECT_EQ(x("%{d3}", v), "email.example.com");
  EXPECT_EQ(x("%{d2}", v), "example.com");
  EXPECT_EQ(x("%{d1}", v), "com");
  EXPECT_EQ(x("%{dr}", v), "com.example.email");
  EXPECT_EQ(x("%{d2r}", v), "example.email");
  EXPECT_EQ(x("%{l}", v), "strong-bad");
  EXPECT_EQ(x("%{l-}", v), "strong.bad");
  EXPECT_EQ(x("%{lr}", v), "strong-bad");
  EXPECT_EQ(x("%{lr-}", v), "bad.strong");
  EXPECT_EQ(x("%{l1r-}", v), "strong");
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}", v), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(x("%{lr-}.lp._spf.%{d2}", v), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(x("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", v), "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(x("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", v), "3.2.0.192.in-addr.strong.lp._spf.example.com");
  EXPECT_EQ(x("%{d2}.trusted-domains.example.net", v), "example.com.trusted-domains.example.net");
  auto v6 = rfc_values("2001:db8::cb01");
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}", v6),
            "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
  EXPECT_EQ(x("%{c}", v6), "2001:db8::cb01");
}

TEST(SpfMacro, EscapesAndOtherLetters) {
  auto v = rfc_values("192.0.2.3");
  v.local_part = "~jack&jill=up-a_b3.c";
  EXPECT_EQ(x("%{L}", v), "~jack%26jill%3Dup-a_b3.c");
  EXPECT_EQ(x("%%%_%-", v), "% %20");
  EXPECT_EQ(x("%{h} %{r} %{t} %{c} %{p}", v), "mx.example.org mx.example.net 1234567890 192.0.2.3 unknown");
  EXPECT_EQ(x("%{l2r+-}", [] {
              auto w = rfc_values("192.0.2.3");
              w.local_part = "foo-bar+zip+quux";
              return w;
            }()),
            "bar.foo");
}

TEST(SpfMacro, DomainSpecIsTruncatedFromTheLeft) {
  auto v = rfc_values("192.0.2.3");
  v.sender_domain = std::string(60, 'a') + ".example.com";
  auto m = parse_macro_string("x.%{o}.%{o}.%{o}.%{o}.example.com.", MacroUse::domain_spec);
  ASSERT_TRUE(m.ok());
  std::string name = expand_domain(*m, v);
  EXPECT_LE(name.size(), 253u);
  EXPECT_EQ(name.substr(name.size() - 12), ".example.com");
  EXPECT_NE(name.back(), '.');
  EXPECT_EQ(name.substr(0, 12), "example.com.");  // "x" and a whole 60-octet label dropped
  EXPECT_EQ(name.size(), 242u);
}

TEST(SpfMacro, MalformedMacros) {
  const char* bad[] = {"%", "%x", "%{", "%{}", "%{d", "%{a}", "%{d0}", "%{dx}", "%{d2r2}", "%(d)",
                       "\x7f", "\x80", "%{d}%"};
  for (const char* t : bad) EXPECT_FALSE(parse_macro_string(t, MacroUse::explanation).ok()) << t;
  for (const char* t : {"%{c}.example.com", "%{r}.example.com", "%{t}.example.com", "example", "%{d}.123", "", "a b.example.com"})
    EXPECT_FALSE(parse_macro_string(t, MacroUse::domain_spec).ok()) << t;
  EXPECT_TRUE(parse_macro_string("%{c} is not %{r} at %{t}", MacroUse::explanation).ok());
  EXPECT_TRUE(parse_macro_string("", MacroUse::modifier).ok());
}

TEST(SpfMacro, TopLabels) {
  EXPECT_TRUE(is_toplabel("com"));
  EXPECT_TRUE(is_toplabel("xn--zckzah"));
  EXPECT_TRUE(is_toplabel("a1"));
  EXPECT_FALSE(is_toplabel("123"));
  EXPECT_FALSE(is_toplabel("-com"));
  EXPECT_FALSE(is_toplabel("com-"));
  EXPECT_FALSE(is_toplabel("c_m"));
  EXPECT_FALSE(is_toplabel(""));
}

}  // namespace
}  // namespace tern::spf
