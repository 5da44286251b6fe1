// The DMARC record parser: RFC 9989's tags and defaults, and malformed records refused
// with an error naming what is wrong.
#include "dmarc/record.hpp"

#include <gtest/gtest.h>

namespace tern::dmarc {
namespace {

TEST(DmarcRecord, EveryTag) {
  auto r = parse_record(
      "v=DMARC1; p=reject; sp=quarantine; np=reject; t=y; psd=n; adkim=s; aspf=s; "
      "rua=mailto:agg@example.org!10m, mailto:b@example.net; ruf=mailto:f@example.org; fo=1:d; ri=3600; pct=50");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->p, Policy::reject);
  EXPECT_EQ(r->sp, Policy::quarantine);
  EXPECT_EQ(r->np, Policy::reject);
  EXPECT_TRUE(r->testing);
  EXPECT_EQ(r->psd, Psd::no);
  EXPECT_EQ(r->adkim, Alignment::strict);
  EXPECT_EQ(r->aspf, Alignment::strict);
  ASSERT_EQ(r->rua.size(), 2u);
  EXPECT_EQ(r->rua[0], "mailto:agg@example.org");  // the size suffix is ignored
  EXPECT_EQ(r->ruf.size(), 1u);
  EXPECT_EQ(r->fo, "1:d");
  EXPECT_EQ(r->ri, 3600u);
  EXPECT_EQ(r->pct, 50);
}

TEST(DmarcRecord, DefaultsAndSpacing) {
  auto r = parse_record("v = DMARC1 ;P=None;");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->p, Policy::none);
  EXPECT_FALSE(r->sp);
  EXPECT_FALSE(r->np);
  EXPECT_FALSE(r->testing);
  EXPECT_EQ(r->psd, Psd::unknown);
  EXPECT_EQ(r->adkim, Alignment::relaxed);
  EXPECT_EQ(r->aspf, Alignment::relaxed);
  EXPECT_EQ(r->fo, "0");
  EXPECT_EQ(r->ri, 86400u);
}

TEST(DmarcRecord, UnknownTagsAreIgnoredAndNoted) {
  auto r = parse_record("v=DMARC1; p=quarantine; rf=afrf; x_new=1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->p, Policy::quarantine);
  EXPECT_EQ(r->notes.size(), 2u);
}

TEST(DmarcRecord, MissingOrBadPWithRuaIsNone) {
  auto r = parse_record("v=DMARC1; rua=mailto:d@example.org");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->p, Policy::none);
  auto bad = parse_record("v=DMARC1; p=block; rua=mailto:d@example.org");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->p, Policy::none);
  EXPECT_FALSE(parse_record("v=DMARC1").ok());
  EXPECT_FALSE(parse_record("v=DMARC1; p=block").ok());
  EXPECT_FALSE(parse_record("v=DMARC1; rua=https://example.org/r").ok());  // no usable rua
}

TEST(DmarcRecord, RecognizesOnlyVersion1First) {
  EXPECT_TRUE(is_dmarc_record("v=DMARC1"));
  EXPECT_TRUE(is_dmarc_record("v=DMARC1;p=none"));
  EXPECT_TRUE(is_dmarc_record("  v =DMARC1 ; p=none"));
  EXPECT_FALSE(is_dmarc_record("v=DMARC10; p=none"));
  EXPECT_FALSE(is_dmarc_record("v=dmarc1; p=none"));  // the version is case-sensitive
  EXPECT_FALSE(is_dmarc_record("p=none; v=DMARC1"));
  EXPECT_FALSE(is_dmarc_record("v=spf1 -all"));
  EXPECT_FALSE(is_dmarc_record(""));
  EXPECT_FALSE(parse_record("p=reject; v=DMARC1").ok());
}

TEST(DmarcRecord, MalformedRecordsAreErrors) {
  const char* bad[] = {
      "v=DMARC1; p=reject; garbage",            // no '='
      "v=DMARC1; p=reject; =x",                 // empty tag name
      "v=DMARC1; p=reject; 1p=x",               // tag name must start with a letter
      "v=DMARC1; p=reject; x-new=1",            // ALPHA *(ALPHA / DIGIT / "_")
      "v=DMARC1; p=reject; p=none",             // repeated tag
      "v=DMARC1; p=reject; v=DMARC1",           // v= again
      "v=DMARC1; p=reject; sp=maybe",
      "v=DMARC1; p=reject; np=",
      "v=DMARC1; p=reject; adkim=x",
      "v=DMARC1; p=reject; aspf=relaxed",
      "v=DMARC1; p=reject; t=yes",
      "v=DMARC1; p=reject; psd=1",
      "v=DMARC1; p=reject; fo=2",
      "v=DMARC1; p=reject; fo=",
      "v=DMARC1; p=reject; ri=-1",
      "v=DMARC1; p=reject; ri=99999999999",
      "v=DMARC1; p=reject; pct=101",
      "v=DMARC1; p=reject; pct=ten",
  };
  for (const char* t : bad) {
    auto r = parse_record(t);
    EXPECT_FALSE(r.ok()) << t;
    if (!r.ok()) {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  auto e = parse_record("v=DMARC1; p=reject; adkim=x");
  EXPECT_NE(e.error().message.find("adkim"), std::string::npos);
}

TEST(DmarcRecord, BadReportUrisAreDroppedOneByOne) {
  auto r = parse_record("v=DMARC1; p=none; rua=mailto:ok@example.org,https://x.example/, mailto:nodomain@, mailto:@x");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rua.size(), 1u);
  EXPECT_EQ(r->rua[0], "mailto:ok@example.org");
  EXPECT_EQ(r->notes.size(), 3u);
}

}  // namespace
}  // namespace tern::dmarc
