// Real handshakes against the server SSL_CTX over an in-memory BIO pair: protocol and
// cipher policy enforced, RSA or ECDSA certificate chosen by the client's signature
// algorithms, session resumption, and Postfix's log line and Received comment.
#include <gtest/gtest.h>

#include "pki_fixture.hpp"
#include "tls/summary.hpp"

namespace tern::tls {
namespace {

using namespace testing;

// OpenSSL 3 refuses TLS 1.0/1.1 and NULL ciphers at its default security level; level 0
// lets the "allowed" cases prove that the policy, not the library, refuses the others.
constexpr const char* kLegacyMedium = "aNULL:-aNULL:HIGH:MEDIUM:@STRENGTH:@SECLEVEL=0";

TEST(TlsHandshake, DefaultsNegotiateTls13) {
  auto c = make_context(server_params());
  auto h = handshake(new_server_ssl(*c));
  ASSERT_TRUE(h.ok) << h.error;
  EXPECT_EQ(SSL_version(h.server.get()), TLS1_3_VERSION);
}

TEST(TlsHandshake, Tls11RefusedWhenMandatoryProtocolsExcludeIt) {
  auto legacy_client = ClientOptions{TLS1_1_VERSION, TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0"};
  auto open = make_context(server_params({{"smtpd_tls_security_level", "encrypt"},
                                          {"smtpd_tls_mandatory_protocols", ">=TLSv1"},
                                          {"tls_medium_cipherlist", kLegacyMedium}}));
  auto h = handshake(new_server_ssl(*open), legacy_client);
  ASSERT_TRUE(h.ok) << "control: TLSv1.1 allowed by policy: " << h.error;
  EXPECT_EQ(SSL_version(h.server.get()), TLS1_1_VERSION);

  for (const char* list : {"!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", ">=TLSv1.2"}) {
    auto strict = make_context(server_params({{"smtpd_tls_security_level", "encrypt"},
                                              {"smtpd_tls_mandatory_protocols", list},
                                              {"tls_medium_cipherlist", kLegacyMedium}}));
    EXPECT_FALSE(handshake(new_server_ssl(*strict), legacy_client).ok) << list;
    EXPECT_TRUE(handshake(new_server_ssl(*strict), {TLS1_2_VERSION, TLS1_2_VERSION}).ok) << list;
  }
}

TEST(TlsHandshake, OpportunisticProtocolsApplyAtMay) {
  auto c = make_context(server_params({{"smtpd_tls_protocols", "<=TLSv1.2"},
                                       {"smtpd_tls_mandatory_protocols", ">=TLSv1.3"}}));
  auto h = handshake(new_server_ssl(*c));
  ASSERT_TRUE(h.ok) << h.error;
  EXPECT_EQ(SSL_version(h.server.get()), TLS1_2_VERSION);
}

TEST(TlsHandshake, NullCiphersRefusedUnlessTheGradeIsNull) {
  ClientOptions null_client{TLS1_2_VERSION, TLS1_2_VERSION, "NULL-SHA256:@SECLEVEL=0"};
  auto medium = make_context(server_params({{"tls_medium_cipherlist", kLegacyMedium}}));
  EXPECT_FALSE(handshake(new_server_ssl(*medium), null_client).ok);
  auto null = make_context(server_params({{"smtpd_tls_ciphers", "null"},
                                          {"tls_null_cipherlist", "eNULL:!aNULL:@SECLEVEL=0"}}));
  auto h = handshake(new_server_ssl(*null), null_client);
  ASSERT_TRUE(h.ok) << "control: null grade: " << h.error;
  EXPECT_STREQ(SSL_get_cipher_name(h.server.get()), "NULL-SHA256");
}

TEST(TlsHandshake, ExcludedCiphersAreRefused) {
  ClientOptions aes256{TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384"};
  ClientOptions aes128{TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256"};
  auto c = make_context(server_params({{"smtpd_tls_exclude_ciphers", "AES256, RC4"}}));
  EXPECT_FALSE(handshake(new_server_ssl(*c), aes256).ok);
  EXPECT_TRUE(handshake(new_server_ssl(*c), aes128).ok);
  auto plain = make_context(server_params());
  EXPECT_TRUE(handshake(new_server_ssl(*plain), aes256).ok);
}

TEST(TlsHandshake, CertificateChosenByTheClientsSignatureAlgorithms) {
  auto c = make_context(server_params());
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    auto ec = handshake(new_server_ssl(*c), {version, version, "", "ECDSA+SHA256"});
    ASSERT_TRUE(ec.ok) << ec.error;
    EXPECT_EQ(server_key_type(ec), EVP_PKEY_EC);
    EXPECT_EQ(server_serial(ec), 200);
    auto rsa = handshake(new_server_ssl(*c),
                         {version, version, "", "rsa_pss_rsae_sha256:RSA+SHA256"});
    ASSERT_TRUE(rsa.ok) << rsa.error;
    EXPECT_EQ(server_key_type(rsa), EVP_PKEY_RSA);
    EXPECT_EQ(server_serial(rsa), 100);
  }
}

TEST(TlsHandshake, ChainFileServesBothKeyTypes) {
  auto c = make_context(params({{"smtpd_tls_security_level", "may"},
                                {"smtpd_tls_chain_files", pki().chain_pem}}));
  auto ec = handshake(new_server_ssl(*c), {0, 0, "", "ECDSA+SHA256"});
  ASSERT_TRUE(ec.ok) << ec.error;
  EXPECT_EQ(server_serial(ec), 200);
  auto rsa = handshake(new_server_ssl(*c), {0, 0, "", "rsa_pss_rsae_sha256"});
  ASSERT_TRUE(rsa.ok) << rsa.error;
  EXPECT_EQ(server_serial(rsa), 100);
  // The chain came along: the client saw the CA after the leaf.
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(rsa.client.get());
  ASSERT_EQ(sk_X509_num(chain), 2);
  EXPECT_EQ(serial_of(sk_X509_value(chain, 1)), 1);
}

// Handshake, take the session, handshake again offering it.
bool resumes(ServerContext& c, ClientOptions o) {
  auto first = handshake(new_server_ssl(c), o);
  if (!first.ok) return false;
  SSL_SESSION* s = SSL_get1_session(first.client.get());
  o.session = s;
  auto second = handshake(new_server_ssl(c), o);
  SSL_SESSION_free(s);
  return second.ok && SSL_session_reused(second.server.get()) == 1 &&
         describe(second.server.get()).session_reused;
}

TEST(TlsHandshake, SessionResumption) {
  auto c = make_context(server_params());
  EXPECT_TRUE(resumes(*c, {TLS1_3_VERSION, TLS1_3_VERSION}));
  EXPECT_TRUE(resumes(*c, {TLS1_2_VERSION, TLS1_2_VERSION}));                  // ticket
  EXPECT_TRUE(resumes(*c, {TLS1_2_VERSION, TLS1_2_VERSION, "", "", nullptr, true}));  // cache
}

TEST(TlsHandshake, ZeroTimeoutDisablesResumption) {
  auto c = make_context(server_params({{"smtpd_tls_session_cache_timeout", "0"}}));
  EXPECT_FALSE(resumes(*c, {TLS1_3_VERSION, TLS1_3_VERSION}));
  EXPECT_FALSE(resumes(*c, {TLS1_2_VERSION, TLS1_2_VERSION, "", "", nullptr, true}));
}

TEST(TlsHandshake, SessionsDoNotCrossServices) {
  auto smtp = make_context(server_params(), "smtp");
  auto submission = make_context(server_params(), "submission");
  ClientOptions o{TLS1_2_VERSION, TLS1_2_VERSION, "", "", nullptr, true};
  auto first = handshake(new_server_ssl(*smtp), o);
  ASSERT_TRUE(first.ok);
  SSL_SESSION* s = SSL_get1_session(first.client.get());
  o.session = s;
  auto other = handshake(new_server_ssl(*submission), o);
  SSL_SESSION_free(s);
  ASSERT_TRUE(other.ok) << other.error;
  EXPECT_FALSE(SSL_session_reused(other.server.get()));
}

TEST(TlsHandshake, SummaryLineTls13Rsa) {
  auto c = make_context(server_params());
  auto h = handshake(new_server_ssl(*c), {0, 0, "", "rsa_pss_rsae_sha256"});
  ASSERT_TRUE(h.ok) << h.error;
  HandshakeInfo i = describe(h.server.get());
  EXPECT_EQ(summary_line(i, "mail.example.org[192.0.2.7]"),
            "Anonymous TLS connection established from mail.example.org[192.0.2.7]: TLSv1.3 "
            "with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
            "server-signature RSA-PSS (2048 bits) server-digest SHA256");
  EXPECT_EQ(received_comment(i, false),
            "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
            "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n"
            "\t(No client certificate requested)");
}

TEST(TlsHandshake, SummaryLineTls13Ecdsa) {
  auto c = make_context(server_params());
  auto h = handshake(new_server_ssl(*c), {0, 0, "", "ECDSA+SHA256"});
  ASSERT_TRUE(h.ok) << h.error;
  EXPECT_EQ(summary_line(describe(h.server.get()), "unknown[192.0.2.8]"),
            "Anonymous TLS connection established from unknown[192.0.2.8]: TLSv1.3 "
            "with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
            "server-signature ECDSA (prime256v1) server-digest SHA256");
}

TEST(TlsHandshake, SummaryLineTls12HasNoSignatureDetails) {
  auto c = make_context(server_params());
  auto h = handshake(new_server_ssl(*c),
                     {TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384"});
  ASSERT_TRUE(h.ok) << h.error;
  HandshakeInfo i = describe(h.server.get());
  EXPECT_EQ(summary_line(i, "c[192.0.2.9]"),
            "Anonymous TLS connection established from c[192.0.2.9]: TLSv1.2 with cipher "
            "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)");
  EXPECT_EQ(received_comment(i, true),
            "(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\n"
            "\t(Client did not present a certificate)");
}

TEST(TlsHandshake, FormattingWithoutOpenSsl) {
  HandshakeInfo i;
  i.protocol = "TLSv1.3";
  i.cipher = "TLS_AES_128_GCM_SHA256";
  i.cipher_usebits = i.cipher_algbits = 128;
  i.kex_name = "ECDHE";
  i.kex_curve = "prime256v1";
  i.server_sig_name = "RSA-PSS";
  i.server_sig_bits = 4096;
  i.server_sig_digest = "SHA256";
  i.client_sig_name = "ECDSA";
  i.client_sig_curve = "prime256v1";
  i.client_sig_digest = "SHA256";
  i.peer_cert = true;
  i.peer_verified = true;
  i.peer_cn = "client.example";
  i.issuer_cn = "Example (CA)";
  EXPECT_EQ(summary_line(i, "c[192.0.2.1]", "mx.example.test"),
            "Trusted TLS connection established from c[192.0.2.1] to mx.example.test: TLSv1.3 "
            "with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange ECDHE (prime256v1) "
            "server-signature RSA-PSS (4096 bits) server-digest SHA256 client-signature ECDSA "
            "(prime256v1) client-digest SHA256");
  EXPECT_EQ(received_comment(i, true),
            "(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits)\n"
            "\t key-exchange ECDHE (prime256v1) server-signature RSA-PSS (4096 bits) "
            "server-digest SHA256\n"
            "\t client-signature ECDSA (prime256v1) client-digest SHA256)\n"
            "\t(Client CN \"client.example\", Issuer \"Example ?CA?\" (verified OK))");
  i.peer_verified = false;
  EXPECT_EQ(summary_line(i, "c[192.0.2.1]").substr(0, 9), "Untrusted");
}

TEST(TlsHandshake, ClientCertificateWhenAsked) {
  auto c = make_context(server_params({{"smtpd_tls_ask_ccert", "yes"},
                                       {"smtpd_tls_CAfile", pki().ca_pem}}));
  // A client with the ECDSA certificate (signed by the test CA).
  auto cctx = client_ctx({});
  SSL_CTX_use_certificate(cctx.get(), pki().ec_cert.get());
  SSL_CTX_use_PrivateKey(cctx.get(), pki().ec_key.get());
  Handshake h;
  h.server.reset(new_server_ssl(*c), SSL_free);
  h.client.reset(SSL_new(cctx.get()), SSL_free);
  BIO *sb, *cb;
  BIO_new_bio_pair(&sb, 0, &cb, 0);
  SSL_set_bio(h.server.get(), sb, sb);
  SSL_set_bio(h.client.get(), cb, cb);
  SSL_set_accept_state(h.server.get());
  SSL_set_connect_state(h.client.get());
  int s = 0, cl = 0;
  for (int i = 0; i < 20 && (s != 1 || cl != 1); ++i) {
    if (cl != 1) cl = SSL_do_handshake(h.client.get());
    if (s != 1) s = SSL_do_handshake(h.server.get());
  }
  ASSERT_EQ(s, 1);
  HandshakeInfo i = describe(h.server.get());
  EXPECT_TRUE(i.peer_cert);
  EXPECT_TRUE(i.peer_verified);
  EXPECT_EQ(i.peer_cn, "mx.example.test");
  EXPECT_EQ(i.issuer_cn, "Tern Test CA");
  EXPECT_EQ(summary_line(i, "x[192.0.2.1]").substr(0, 7), "Trusted");
  EXPECT_NE(summary_line(i, "x[192.0.2.1]").find("client-signature ECDSA (prime256v1)"),
            std::string::npos);
}

}  // namespace
}  // namespace tern::tls

namespace tern::tls {
namespace {

using namespace testing;

TEST(TlsHandshake, ReceivedCommentOnlyWhenConfigured) {
  auto off = make_context(server_params());
  auto h = handshake(new_server_ssl(*off));
  ASSERT_TRUE(h.ok);
  EXPECT_EQ(off->received_comment(h.server.get()), "");
  auto on = make_context(server_params({{"smtpd_tls_received_header", "yes"}}));
  auto h2 = handshake(new_server_ssl(*on));
  ASSERT_TRUE(h2.ok);
  EXPECT_EQ(on->received_comment(h2.server.get()).substr(0, 21), "(using TLSv1.3 with c");
}

}  // namespace
}  // namespace tern::tls
