// tls/policy: the smtpd TLS parameters of one service parsed into a ServerPolicy.
#include "tls/policy.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "pki_fixture.hpp"

namespace tern::tls {
namespace {

using testing::params;

ServerPolicy policy_ok(testing::Kv kv) {
  auto r = ServerPolicy::from(params(kv), "smtp");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ServerPolicy{};
}

TEST(TlsPolicy, LevelFromTheParameterOrTheLegacySwitches) {
  EXPECT_EQ(policy_ok({}).level, Level::none);
  EXPECT_EQ(policy_ok({{"smtpd_use_tls", "yes"}}).level, Level::may);
  EXPECT_EQ(policy_ok({{"smtpd_enforce_tls", "yes"}}).level, Level::encrypt);
  EXPECT_EQ(policy_ok({{"smtpd_use_tls", "yes"}, {"smtpd_enforce_tls", "yes"}}).level,
            Level::encrypt);
  // The new parameter wins over the old switches.
  EXPECT_EQ(policy_ok({{"smtpd_tls_security_level", "none"}, {"smtpd_use_tls", "yes"}}).level,
            Level::none);
  auto p = policy_ok({{"smtpd_tls_security_level", "encrypt"}});
  EXPECT_TRUE(p.enabled());
  EXPECT_TRUE(p.required());
}

TEST(TlsPolicy, InvalidLevelNamesTheParameter) {
  auto r = ServerPolicy::from(params({{"smtpd_tls_security_level", "dane"}}), "smtp");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("smtpd_tls_security_level"), std::string::npos);
}

TEST(TlsPolicy, OpportunisticSettingsAtMay) {
  auto p = policy_ok({{"smtpd_tls_security_level", "may"},
                      {"smtpd_tls_protocols", "!SSLv2, !SSLv3"},
                      {"smtpd_tls_mandatory_protocols", ">=TLSv1.2"},
                      {"smtpd_tls_ciphers", "high"},
                      {"smtpd_tls_exclude_ciphers", "RC4, aNULL"},
                      {"smtpd_tls_mandatory_exclude_ciphers", "MD5"}});
  EXPECT_EQ(p.protocols.min_version, TLS1_VERSION);
  EXPECT_EQ(p.protocols_param, "smtpd_tls_protocols");
  EXPECT_EQ(p.cipher_list, "aNULL:-aNULL:HIGH:@STRENGTH:!RC4:!aNULL");
  EXPECT_EQ(p.ciphers_param, "smtpd_tls_ciphers");
}

TEST(TlsPolicy, MandatorySettingsAtEncrypt) {
  auto p = policy_ok({{"smtpd_tls_security_level", "encrypt"},
                      {"smtpd_tls_protocols", "!SSLv2, !SSLv3"},
                      {"smtpd_tls_mandatory_protocols", ">=TLSv1.2"},
                      {"smtpd_tls_ciphers", "high"},
                      {"smtpd_tls_mandatory_ciphers", "medium"},
                      {"smtpd_tls_mandatory_exclude_ciphers", "MD5"}});
  EXPECT_EQ(p.protocols.min_version, TLS1_2_VERSION);
  EXPECT_EQ(p.protocols_param, "smtpd_tls_mandatory_protocols");
  EXPECT_EQ(p.cipher_list, "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!MD5");
}

TEST(TlsPolicy, ErrorsNameTheParameterThatApplies) {
  auto r = ServerPolicy::from(params({{"smtpd_tls_security_level", "encrypt"},
                                      {"smtpd_tls_mandatory_protocols", "!SSLv2 !QUIC"}}),
                              "smtp");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("smtpd_tls_mandatory_protocols"), std::string::npos);
  // With TLS off the TLS settings are not used and not checked (as in Postfix).
  EXPECT_TRUE(ServerPolicy::from(params({{"smtpd_tls_protocols", "!QUIC"}}), "smtp").ok());
}

TEST(TlsPolicy, KeyFileDefaultsToTheCertificateFile) {
  auto p = policy_ok({{"smtpd_tls_security_level", "may"},
                      {"smtpd_tls_cert_file", "/etc/tern/rsa.pem"},
                      {"smtpd_tls_eccert_file", "/etc/tern/ec.pem"},
                      {"smtpd_tls_eckey_file", "/etc/tern/ec.key"}});
  ASSERT_EQ(p.pairs.size(), 2u);
  EXPECT_EQ(p.pairs[0].cert_file, "/etc/tern/rsa.pem");
  EXPECT_EQ(p.pairs[0].key_file, "/etc/tern/rsa.pem");
  EXPECT_EQ(p.pairs[1].key_file, "/etc/tern/ec.key");
  EXPECT_EQ(p.watched_files(),
            (std::vector<std::string>{"/etc/tern/rsa.pem", "/etc/tern/ec.pem", "/etc/tern/ec.key"}));
}

TEST(TlsPolicy, ChainFilesOverrideThePairs) {
  auto p = policy_ok({{"smtpd_tls_security_level", "may"},
                      {"smtpd_tls_cert_file", "/etc/tern/rsa.pem"},
                      {"smtpd_tls_chain_files", "/etc/tern/ec.pem, /etc/tern/rsa-chain.pem"}});
  EXPECT_TRUE(p.pairs.empty());
  EXPECT_EQ(p.chain_files,
            (std::vector<std::string>{"/etc/tern/ec.pem", "/etc/tern/rsa-chain.pem"}));
}

TEST(TlsPolicy, WrapperModeWithoutLevelWarnsAndUsesMay) {
  auto p = policy_ok({{"smtpd_tls_wrappermode", "yes"}});
  EXPECT_TRUE(p.wrapper_mode);
  EXPECT_EQ(p.level, Level::may);
  ASSERT_FALSE(p.warnings.empty());
  EXPECT_NE(p.warnings[0].find("smtpd_tls_wrappermode"), std::string::npos);
}

TEST(TlsPolicy, OtherKnobs) {
  auto p = policy_ok({{"smtpd_tls_security_level", "may"},
                      {"smtpd_tls_ciphers", "export"},
                      {"smtpd_tls_dh1024_param_file", "/etc/tern/dh.pem"},
                      {"tls_preempt_cipherlist", "yes"},
                      {"smtpd_tls_session_cache_timeout", "600s"},
                      {"smtpd_tls_loglevel", "1"},
                      {"smtpd_tls_received_header", "yes"},
                      {"smtpd_tls_eecdh_grade", "ultra"}});
  EXPECT_EQ(p.grade, Grade::medium);
  EXPECT_EQ(p.warnings.size(), 1u);
  EXPECT_EQ(p.dh_param_file, "/etc/tern/dh.pem");
  EXPECT_TRUE(p.preempt_ciphers);
  EXPECT_EQ(p.session_timeout, std::chrono::seconds(600));
  EXPECT_EQ(p.reload_interval, std::chrono::seconds(60));
  EXPECT_EQ(p.loglevel, 1);
  EXPECT_TRUE(p.received_header);
  EXPECT_EQ(p.groups, "secp384r1");
}

}  // namespace
}  // namespace tern::tls
