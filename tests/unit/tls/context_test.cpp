// tls/server_context and tls/pem: building the SSL_CTX, and errors that name the file.
#include "tls/server_context.hpp"

#include <gtest/gtest.h>

#include "pki_fixture.hpp"

namespace tern::tls {
namespace {

using namespace testing;

std::string make_err(const config::Params& p) {
  auto r = ServerContext::make(p, "smtp");
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(TlsContext, DisabledHasNoSslCtx) {
  auto c = make_context(params({}));
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->enabled());
  EXPECT_EQ(c->current(), nullptr);
  EXPECT_FALSE(c->reload_if_changed());
}

TEST(TlsContext, EnabledWithBothPairs) {
  auto c = make_context(server_params());
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->enabled());
  EXPECT_FALSE(c->required());
  EXPECT_FALSE(c->wrapper_mode());
  EXPECT_NE(c->current(), nullptr);
  auto w = make_context(server_params({{"smtpd_tls_wrappermode", "yes"},
                                       {"smtpd_tls_security_level", "encrypt"}}));
  EXPECT_TRUE(w->wrapper_mode());
  EXPECT_TRUE(w->required());
}

TEST(TlsContext, NoCertificateIsAnError) {
  std::string e = make_err(params({{"smtpd_tls_security_level", "may"}}));
  EXPECT_NE(e.find("smtpd_tls_cert_file"), std::string::npos) << e;
}

TEST(TlsContext, MissingCertificateFileIsNamed) {
  std::string missing = pki().dir.file("nope.pem");
  std::string e = make_err(server_params({{"smtpd_tls_cert_file", missing}}));
  EXPECT_NE(e.find(missing), std::string::npos) << e;
}

TEST(TlsContext, MissingKeyFileIsNamed) {
  std::string missing = pki().dir.file("nokey.pem");
  std::string e = make_err(server_params({{"smtpd_tls_eckey_file", missing}}));
  EXPECT_NE(e.find(missing), std::string::npos) << e;
}

TEST(TlsContext, KeyMismatchNamesBothFiles) {
  std::string e = make_err(server_params({{"smtpd_tls_key_file", pki().other_key_pem}}));
  EXPECT_NE(e.find("does not match"), std::string::npos) << e;
  EXPECT_NE(e.find(pki().other_key_pem), std::string::npos) << e;
  EXPECT_NE(e.find(pki().rsa_cert_pem), std::string::npos) << e;
}

TEST(TlsContext, FileWithoutAKeyIsNamed) {
  // The key file defaults to the certificate file, which has no key here.
  auto p = params({{"smtpd_tls_security_level", "may"},
                   {"smtpd_tls_cert_file", pki().rsa_cert_pem}});
  std::string e = make_err(p);
  EXPECT_NE(e.find("no private key found in " + pki().rsa_cert_pem), std::string::npos) << e;
}

TEST(TlsContext, KeyAndCertificateInOneFile) {
  auto p = params({{"smtpd_tls_security_level", "may"},
                   {"smtpd_tls_cert_file", pki().combined_pem}});
  EXPECT_TRUE(make_context(p));
}

TEST(TlsContext, ChainFiles) {
  auto p = params({{"smtpd_tls_security_level", "may"},
                   {"smtpd_tls_chain_files", pki().chain_pem}});
  EXPECT_TRUE(make_context(p));
}

TEST(TlsContext, ChainFileErrorsAreNamed) {
  const Pki& k = pki();
  std::string certfirst = k.file("cert-only.pem", {{nullptr, k.rsa_cert}, {nullptr, k.ca}});
  std::string e = make_err(params({{"smtpd_tls_security_level", "may"},
                                   {"smtpd_tls_chain_files", certfirst}}));
  EXPECT_NE(e.find("smtpd_tls_chain_files"), std::string::npos) << e;
  EXPECT_NE(e.find(certfirst), std::string::npos) << e;
  std::string wrong = k.file("wrong-chain.pem", {{k.other_key, k.rsa_cert}});
  e = make_err(params({{"smtpd_tls_security_level", "may"}, {"smtpd_tls_chain_files", wrong}}));
  EXPECT_NE(e.find("does not match"), std::string::npos) << e;
  EXPECT_NE(e.find(wrong), std::string::npos) << e;
}

TEST(TlsContext, DhParameterFile) {
  std::string bad = pki().dir.file("dh-bad.pem");
  pki().dir.write("dh-bad.pem", "not pem\n");
  std::string e = make_err(server_params({{"smtpd_tls_dh1024_param_file", bad}}));
  EXPECT_NE(e.find("smtpd_tls_dh1024_param_file"), std::string::npos) << e;
  EXPECT_NE(e.find(bad), std::string::npos) << e;
  // RFC 7919 ffdhe2048 in PEM, as `openssl genpkey -genparam -algorithm DH -pkeyopt
  // group:ffdhe2048` writes it.
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  EVP_PKEY* params_key = nullptr;
  ASSERT_EQ(EVP_PKEY_paramgen_init(pctx), 1);
  char group[] = "ffdhe2048";
  OSSL_PARAM ps[] = {OSSL_PARAM_construct_utf8_string("group", group, 0), OSSL_PARAM_construct_end()};
  EVP_PKEY_CTX_set_params(pctx, ps);
  ASSERT_EQ(EVP_PKEY_paramgen(pctx, &params_key), 1);
  std::string good = pki().dir.file("dh.pem");
  BIO* out = BIO_new_file(good.c_str(), "w");
  PEM_write_bio_Parameters(out, params_key);
  BIO_free(out);
  EVP_PKEY_free(params_key);
  EVP_PKEY_CTX_free(pctx);
  EXPECT_TRUE(make_context(server_params({{"smtpd_tls_dh1024_param_file", good}})));
}

TEST(TlsContext, CaFileErrorsAreNamed) {
  std::string missing = pki().dir.file("no-ca.pem");
  std::string e = make_err(server_params({{"smtpd_tls_CAfile", missing}}));
  EXPECT_NE(e.find("smtpd_tls_CAfile"), std::string::npos) << e;
  EXPECT_TRUE(make_context(server_params({{"smtpd_tls_CAfile", pki().ca_pem},
                                          {"smtpd_tls_ask_ccert", "yes"}})));
}

TEST(TlsContext, CiphersExcludeRc4AndNull) {
  auto c = make_context(server_params({{"smtpd_tls_exclude_ciphers", "RC4, aNULL, eNULL"}}));
  ASSERT_TRUE(c);
  STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(c->current().get());
  ASSERT_GT(sk_SSL_CIPHER_num(list), 0);
  for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
    std::string name = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(list, i));
    EXPECT_EQ(name.find("RC4"), std::string::npos) << name;
    EXPECT_EQ(name.find("NULL"), std::string::npos) << name;
  }
}

TEST(TlsContext, PreemptSetsServerPreference) {
  auto c = make_context(server_params({{"tls_preempt_cipherlist", "yes"}}));
  EXPECT_TRUE(SSL_CTX_get_options(c->current().get()) & SSL_OP_CIPHER_SERVER_PREFERENCE);
  auto d = make_context(server_params());
  EXPECT_FALSE(SSL_CTX_get_options(d->current().get()) & SSL_OP_CIPHER_SERVER_PREFERENCE);
}

}  // namespace
}  // namespace tern::tls
