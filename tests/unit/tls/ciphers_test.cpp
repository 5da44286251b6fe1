// tls/ciphers and tls/groups: cipher grades, cipher-list construction with exclusions, and
// ECDHE curve selection.
#include "tls/ciphers.hpp"

#include <gtest/gtest.h>

#include "pki_fixture.hpp"
#include "tls/groups.hpp"

namespace tern::tls {
namespace {

using testing::params;

TEST(TlsCiphers, Grades) {
  std::vector<std::string> w;
  EXPECT_EQ(*parse_grade("high", "smtpd_tls_ciphers", &w), Grade::high);
  EXPECT_EQ(*parse_grade("Medium", "smtpd_tls_ciphers", &w), Grade::medium);
  EXPECT_EQ(*parse_grade("null", "smtpd_tls_ciphers", &w), Grade::null);
  EXPECT_TRUE(w.empty());
}

TEST(TlsCiphers, ExportAndLowAreMediumWithAWarning) {
  std::vector<std::string> w;
  EXPECT_EQ(*parse_grade("export", "smtpd_tls_ciphers", &w), Grade::medium);
  EXPECT_EQ(*parse_grade("low", "smtpd_tls_mandatory_ciphers", &w), Grade::medium);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("smtpd_tls_ciphers"), std::string::npos);
  EXPECT_NE(w[1].find("\"low\""), std::string::npos);
}

TEST(TlsCiphers, UnknownGradeNamesTheParameter) {
  auto r = parse_grade("strong", "smtpd_tls_mandatory_ciphers", nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("smtpd_tls_mandatory_ciphers"), std::string::npos);
  EXPECT_NE(r.error().message.find("strong"), std::string::npos);
}

TEST(TlsCiphers, ListPerGradeFromTheParameters) {
  auto p = params({});
  EXPECT_EQ(*cipher_list(Grade::high, p, {}, "x"), "aNULL:-aNULL:HIGH:@STRENGTH");
  EXPECT_EQ(*cipher_list(Grade::medium, p, {}, "x"), "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH");
  EXPECT_EQ(*cipher_list(Grade::null, p, {}, "x"), "eNULL:!aNULL");
  auto custom = params({{"tls_high_cipherlist", "ECDHE+AESGCM"}});
  EXPECT_EQ(*cipher_list(Grade::high, custom, {}, "x"), "ECDHE+AESGCM");
}

TEST(TlsCiphers, ExclusionsAppendedAsNegations) {
  auto p = params({});
  EXPECT_EQ(*cipher_list(Grade::medium, p, {"RC4", "aNULL"}, "smtpd_tls_exclude_ciphers"),
            "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!RC4:!aNULL");
  EXPECT_EQ(*cipher_list(Grade::high, p, {"RC4:MD5", "DES"}, "x"),
            "aNULL:-aNULL:HIGH:@STRENGTH:!RC4:!MD5:!DES");
}

TEST(TlsCiphers, ExclusionWithAModifierIsAnError) {
  auto r = cipher_list(Grade::high, params({}), {"!RC4"}, "smtpd_tls_mandatory_exclude_ciphers");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("smtpd_tls_mandatory_exclude_ciphers"), std::string::npos);
}

TEST(TlsGroups, AutoUsesTheCurveListAndSkipsUnknownNames) {
  std::vector<std::string> w;
  auto g = eecdh_groups(params({{"tls_eecdh_auto_curves", "X25519 sect999r9 prime256v1"}}), &w);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(*g, "X25519:prime256v1");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("sect999r9"), std::string::npos);
}

TEST(TlsGroups, DefaultCurvesAreKnown) {
  std::vector<std::string> w;
  auto g = eecdh_groups(params({}), &w);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g, "X25519:X448:prime256v1:secp521r1:secp384r1");
  EXPECT_TRUE(w.empty());
}

TEST(TlsGroups, StrongUltraNoneAndErrors) {
  EXPECT_EQ(*eecdh_groups(params({{"smtpd_tls_eecdh_grade", "strong"}}), nullptr), "prime256v1");
  EXPECT_EQ(*eecdh_groups(params({{"smtpd_tls_eecdh_grade", "ultra"}}), nullptr), "secp384r1");
  EXPECT_EQ(*eecdh_groups(params({{"smtpd_tls_eecdh_grade", "none"}}), nullptr), "");
  auto bad = eecdh_groups(params({{"smtpd_tls_eecdh_grade", "extreme"}}), nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("smtpd_tls_eecdh_grade"), std::string::npos);
  auto none = eecdh_groups(params({{"tls_eecdh_auto_curves", "bogus1 bogus2"}}), nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("tls_eecdh_auto_curves"), std::string::npos);
}

}  // namespace
}  // namespace tern::tls
