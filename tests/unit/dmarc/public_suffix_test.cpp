// The Public Suffix List matcher against the publicsuffix.org test vectors (copied in
// tests/data/publicsuffix-tests/) over Debian's list, and the list parser's errors.
#include "dmarc/public_suffix.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dmarc/punycode.hpp"

namespace tern::dmarc {
namespace {

const char* kDebianList = "/usr/share/publicsuffix/public_suffix_list.dat";

TEST(PublicSuffix, PublicSuffixOrgVectors) {
  auto psl = PublicSuffixList::load(kDebianList);
  ASSERT_TRUE(psl.ok()) << psl.error().message;
  EXPECT_GT(psl->size(), 5000u);
  std::ifstream in(std::string(TERN_SOURCE_DIR) + "/tests/data/publicsuffix-tests/tests.txt");
  ASSERT_TRUE(in);
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line.starts_with("//")) continue;
    std::istringstream fields(line);
    std::string input, expected;
    ASSERT_TRUE(fields >> input >> expected) << line;
    if (input == "null") input.clear();
    auto got = psl->registrable_domain(input);
    if (expected == "null") EXPECT_FALSE(got) << input << " -> " << got.value_or("");
    else EXPECT_EQ(got.value_or("null"), expected) << input;
    ++cases;
  }
  EXPECT_GT(cases, 70);
}

TEST(PublicSuffix, RulesWildcardsExceptions) {
  auto psl = PublicSuffixList::parse("// comment\ncom\nco.uk\n*.ck\n!www.ck\n\nuk   trailing words\n");
  ASSERT_TRUE(psl.ok()) << psl.error().message;
  EXPECT_EQ(psl->public_suffix("a.b.co.uk"), "co.uk");
  EXPECT_EQ(psl->registrable_domain("a.b.co.uk"), "b.co.uk");
  EXPECT_EQ(psl->registrable_domain("x.y.ck"), "x.y.ck");
  EXPECT_EQ(psl->public_suffix("x.y.ck"), "y.ck");
  EXPECT_EQ(psl->registrable_domain("a.www.ck"), "www.ck");
  EXPECT_EQ(psl->registrable_domain("example.unlisted"), "example.unlisted");
  EXPECT_EQ(psl->registrable_domain("Example.COM."), "example.com");
  EXPECT_FALSE(psl->registrable_domain("com"));
  EXPECT_FALSE(psl->registrable_domain("a..com"));
  EXPECT_FALSE(psl->registrable_domain(".com"));
  EXPECT_FALSE(psl->registrable_domain(""));
  EXPECT_FALSE(psl->registrable_domain("xn--zz.com"));  // not Punycode
}

TEST(PublicSuffix, MalformedListsAreErrors) {
  for (const char* bad : {"a..b\n", ".com\n", "com.\n", "a.*.b\n", "*\n", "!com\n", "a!b.c\n", "**.x\n"}) {
    auto r = PublicSuffixList::parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("line 1"), std::string::npos) << r.error().message;
    }
  }
  EXPECT_FALSE(PublicSuffixList::load("/nonexistent/psl.dat").ok());
}

TEST(Punycode, DecodesLabels) {
  EXPECT_EQ(label_to_unicode("xn--55qx5d"), "公司");
  EXPECT_EQ(label_to_unicode("XN--fiqs8s"), "中国");
  EXPECT_EQ(label_to_unicode("xn--bcher-kva"), "bücher");
  EXPECT_EQ(label_to_unicode("plain"), "plain");
  EXPECT_FALSE(label_to_unicode("xn--"));
  EXPECT_FALSE(label_to_unicode("xn--99999999999"));  // overflow
  EXPECT_FALSE(label_to_unicode("xn--ü"));
}

TEST(Punycode, EncodesDomains) {
  EXPECT_EQ(domain_to_ascii("bücher.Example"), "xn--bcher-kva.example");
  EXPECT_EQ(domain_to_ascii("食狮.公司.cn"), "xn--85x722f.xn--55qx5d.cn");
  EXPECT_EQ(domain_to_ascii("中国"), "xn--fiqs8s");
  EXPECT_EQ(domain_to_ascii("plain.example"), "plain.example");
  for (const char* u : {"bücher", "公司", "食狮", "ñandú"}) {
    auto a = domain_to_ascii(u);
    ASSERT_TRUE(a) << u;
    EXPECT_EQ(label_to_unicode(*a), u);
  }
  EXPECT_FALSE(domain_to_ascii("bad\xff.example"));
  EXPECT_FALSE(domain_to_ascii("\xc0\xafoverlong.example"));
  EXPECT_FALSE(domain_to_ascii("\xed\xa0\x80surrogate.example"));
  EXPECT_FALSE(domain_to_ascii("cut\xe4\xb8.example"));
}

}  // namespace
}  // namespace tern::dmarc
