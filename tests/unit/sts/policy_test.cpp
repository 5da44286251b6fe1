// MTA-STS data: the _mta-sts TXT record, the policy file, MX patterns, and the refusals
// of everything RFC 8461's grammar does not allow.
#include "sts/policy.hpp"

#include <gtest/gtest.h>

namespace tern::sts {
namespace {

TEST(StsRecord, ParsesIdAndExtensions) {
  auto r = parse_record("v=STSv1; id=20160831085700Z;");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, "20160831085700Z");
  r = parse_record("v=STSv1 ;id=abc;  ext_1.x=val-ue ");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, "abc");
}

TEST(StsRecord, RefusesMalformed) {
  EXPECT_FALSE(parse_record("v=STSv1").ok());                    // no id
  EXPECT_FALSE(parse_record("v=STSv1;").ok());                   // no id
  EXPECT_FALSE(parse_record("v=STSv2; id=1").ok());
  EXPECT_FALSE(parse_record("v=STSv1; id=").ok());
  EXPECT_FALSE(parse_record("v=STSv1; id=a-b").ok());            // id is letters and digits
  EXPECT_FALSE(parse_record("v=STSv1; id=" + std::string(33, 'a')).ok());
  EXPECT_FALSE(parse_record("v=STSv1; id=1; id=2").ok());
  EXPECT_FALSE(parse_record("v=STSv1; id=1; novalue").ok());
  EXPECT_FALSE(parse_record("v=STSv1; id=1; _x=1").ok());        // name starts alnum
  EXPECT_FALSE(parse_record("v=STSv1 id=1").ok());               // no delimiter
  EXPECT_FALSE(parse_record("v=STSv1; id=1;; x=1").ok());
}

TEST(StsRecord, SelectsExactlyOne) {
  auto r = select_record({"v=spf1 -all", "v=STSv1; id=7"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, "7");
  EXPECT_FALSE(select_record({}).ok());
  EXPECT_FALSE(select_record({"v=STSv1; id=7", "v=STSv1; id=8"}).ok());
  EXPECT_FALSE(select_record({"v=STSv1x; id=7"}).ok());
  EXPECT_FALSE(select_record({"v=STSv1; id=bad!"}).ok());
}

TEST(StsPolicy, ParsesTheRfcExample) {
  auto p = parse_policy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                        "mx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->mode, Mode::enforce);
  EXPECT_EQ(p->max_age.count(), 604800);
  ASSERT_EQ(p->mx.size(), 3u);
  EXPECT_EQ(p->mx[1], "*.example.net");
}

TEST(StsPolicy, LfLinesUnknownKeysAndClamp) {
  auto p = parse_policy("version: STSv1\nmode: testing\nmx: MX.Example.ORG.\nfuture_key: x y\nmax_age: 9999999999");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->mode, Mode::testing);
  EXPECT_EQ(p->mx[0], "mx.example.org");
  EXPECT_EQ(p->max_age, kMaxAgeLimit);
  p = parse_policy("version: STSv1\nmode: none\nmax_age: 0\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->mode, Mode::none);
}

TEST(StsPolicy, RefusesMalformed) {
  const std::string ok_rest = "mx: a.example\nmax_age: 60\n";
  EXPECT_TRUE(parse_policy("version: STSv1\nmode: enforce\n" + ok_rest).ok());
  EXPECT_FALSE(parse_policy("mode: enforce\n" + ok_rest).ok());                 // no version
  EXPECT_FALSE(parse_policy("version: STSv2\nmode: enforce\n" + ok_rest).ok());
  EXPECT_FALSE(parse_policy("version: STSv1\n" + ok_rest).ok());                // no mode
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: strict\n" + ok_rest).ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a.example\n").ok());  // no max_age
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmax_age: 60\n").ok());    // no mx
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n").ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901\n").ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmode: testing\n" + ok_rest).ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 60\n").ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 60\n").ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode: enforce\nmx: a.example/x\nmax_age: 60\n").ok());
  EXPECT_FALSE(parse_policy("version: STSv1\nmode enforce\n" + ok_rest).ok());
  EXPECT_FALSE(parse_policy("<html><body>hello</body></html>").ok());
  EXPECT_FALSE(parse_policy("").ok());
}

TEST(StsPolicy, MxPatterns) {
  EXPECT_TRUE(mx_pattern_matches("mail.example.com", "MAIL.example.com."));
  EXPECT_FALSE(mx_pattern_matches("mail.example.com", "mail2.example.com"));
  EXPECT_TRUE(mx_pattern_matches("*.example.net", "mx1.example.net"));
  EXPECT_FALSE(mx_pattern_matches("*.example.net", "example.net"));
  EXPECT_FALSE(mx_pattern_matches("*.example.net", "a.b.example.net"));
  EXPECT_FALSE(mx_pattern_matches("*.example.net", "mx1.xexample.net"));
  EXPECT_FALSE(mx_pattern_matches("*.example.net", ".example.net"));
  Policy p;
  p.mx = {"mail.example.com", "*.example.net"};
  EXPECT_TRUE(mx_allowed(p, "x.example.net"));
  EXPECT_FALSE(mx_allowed(p, "evil.example.org"));
}

TEST(StsPolicy, FormatParsesBack) {
  Policy p;
  p.mode = Mode::enforce;
  p.mx = {"mail.example.com", "*.example.net"};
  p.max_age = std::chrono::seconds(86400);
  auto back = parse_policy(format_policy(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->mode, p.mode);
  EXPECT_EQ(back->mx, p.mx);
  EXPECT_EQ(back->max_age, p.max_age);
}

}  // namespace
}  // namespace tern::sts
