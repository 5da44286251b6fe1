// DANE on the OpenSSL side: TLSA association data (checked against the openssl command
// line's own digest), tls_dane_digests, which records are usable, and real handshakes over a
// BIO pair with a client armed by arm_dane(): DANE-EE(3) without name checks, DANE-TA(2)
// with the chain and its name checks, mismatches refused.
#include "tls/dane.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "dns/rdata.hpp"
#include "pki_fixture.hpp"

namespace tern::tls {
namespace {

using namespace testing;

DaneDigests defaults() { return *parse_dane_digests({"sha512", "sha256"}); }

std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string hex(const Result<std::string>& r) { return r.ok() ? dns::to_hex(r.value()) : "error: " + r.error().message; }

TEST(DaneData, SpkiSha256MatchesTheOpensslCommandLine) {
  const Pki& k = pki();
  std::string want = run("openssl x509 -in " + k.rsa_cert_pem +
                         " -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum");
  ASSERT_GE(want.size(), 64u) << "openssl pipeline produced: " << want;
  EXPECT_EQ(hex(association_data(k.rsa_cert.get(), 1, 1, defaults())), want.substr(0, 64));
  std::string cert512 = run("openssl x509 -in " + k.rsa_cert_pem + " -outform DER | sha512sum");
  EXPECT_EQ(hex(association_data(k.rsa_cert.get(), 0, 2, defaults())), cert512.substr(0, 128));
}

TEST(DaneData, ExactDataIsTheDer) {
  const Pki& k = pki();
  auto full = association_data(k.rsa_cert.get(), 0, 0, defaults());
  ASSERT_TRUE(full.ok());
  auto p = reinterpret_cast<const unsigned char*>(full->data());
  X509* back = d2i_X509(nullptr, &p, long(full->size()));
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(X509_cmp(back, k.rsa_cert.get()), 0);
  X509_free(back);
  EXPECT_FALSE(association_data(k.rsa_cert.get(), 2, 1, defaults()).ok());
  EXPECT_FALSE(association_data(k.rsa_cert.get(), 1, 7, defaults()).ok());
}

TEST(DaneDigestList, NamesAndMatchingTypes) {
  auto d = parse_dane_digests({"sha512", "sha256", "sha384=3"});
  ASSERT_TRUE(d.ok()) << d.error().message;
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ((*d)[0].mtype, 2);
  EXPECT_EQ((*d)[1].mtype, 1);
  EXPECT_EQ((*d)[2].mtype, 3);
  for (std::vector<std::string> bad : {std::vector<std::string>{"sha384"}, {"sha256", "sha256"}, {"nosuch=4"},
                                       {"sha384=0"}, {"sha384=256"}, {"sha384=x"}, {}}) {
    auto r = parse_dane_digests(bad);
    ASSERT_FALSE(r.ok()) << (bad.empty() ? "(empty)" : bad[0]);
    EXPECT_NE(r.error().message.find("tls_dane_digests"), std::string::npos);
  }
}

TEST(DaneUsable, OnlyDaneUsagesKnownSelectorsAndListedDigests) {
  const Pki& k = pki();
  auto d = defaults();
  auto rec = [&](uint8_t u, uint8_t s, uint8_t m) { return dns::Tlsa{u, s, m, *association_data(k.rsa_cert.get(), s, m, d)}; };
  EXPECT_EQ(unusable_reason(rec(3, 1, 1), d), "");
  EXPECT_EQ(unusable_reason(rec(2, 0, 2), d), "");
  EXPECT_EQ(unusable_reason(rec(3, 0, 0), d), "");
  EXPECT_EQ(unusable_reason(rec(3, 1, 0), d), "");
  EXPECT_NE(unusable_reason(rec(0, 1, 1), d), "");
  EXPECT_NE(unusable_reason(rec(1, 1, 1), d), "");
  EXPECT_NE(unusable_reason({3, 1, 1, "short"}, d), "");
  EXPECT_NE(unusable_reason({3, 0, 0, "not DER"}, d), "");
  EXPECT_NE(unusable_reason({3, 1, 0, "not DER"}, d), "");
  EXPECT_NE(unusable_reason(rec(3, 1, 2), *parse_dane_digests({"sha256"})), "");
}

// A server that sends the RSA certificate and the CA above it.
std::shared_ptr<SSL_CTX> server_ctx() {
  const Pki& k = pki();
  std::shared_ptr<SSL_CTX> c(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  SSL_CTX_use_certificate(c.get(), k.rsa_cert.get());
  SSL_CTX_use_PrivateKey(c.get(), k.rsa_key.get());
  SSL_CTX_add1_chain_cert(c.get(), k.ca.get());
  return c;
}

struct Outcome {
  bool handshake = false;
  long verify = -1;
  std::string match;
  std::string sni;
};

Outcome dane_handshake(const std::string& base, const std::vector<std::string>& names, const std::vector<dns::Tlsa>& records,
                       const DaneDigests& d = defaults()) {
  std::shared_ptr<SSL_CTX> cctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_set_verify(cctx.get(), SSL_VERIFY_NONE, nullptr);
  EXPECT_TRUE(enable_dane(cctx.get(), d).ok());
  auto sctx = server_ctx();
  std::shared_ptr<SSL> server(SSL_new(sctx.get()), SSL_free), client(SSL_new(cctx.get()), SSL_free);
  Outcome o;
  auto armed = arm_dane(client.get(), base, names, records);
  EXPECT_TRUE(armed.ok()) << armed.error().message;
  if (!armed.ok()) return o;
  o.handshake = drive_handshake(server.get(), client.get());
  o.verify = SSL_get_verify_result(client.get());
  o.match = dane_match(client.get());
  if (const char* s = SSL_get_servername(server.get(), TLSEXT_NAMETYPE_host_name)) o.sni = s;
  return o;
}

dns::Tlsa record(uint8_t usage, uint8_t selector, uint8_t mtype, X509* cert) {
  return {usage, selector, mtype, *association_data(cert, selector, mtype, defaults())};
}

TEST(DaneHandshake, DaneEeMatchesTheKeyWhateverTheName) {
  const Pki& k = pki();
  auto o = dane_handshake("other.example", {}, {record(3, 1, 1, k.rsa_cert.get())});
  ASSERT_TRUE(o.handshake);
  EXPECT_EQ(o.verify, X509_V_OK) << X509_verify_cert_error_string(o.verify);
  EXPECT_EQ(o.match, "TLSA 3 1 1 matched the server certificate at depth 0");
  EXPECT_EQ(o.sni, "other.example");  // SNI is the TLSA base domain
}

TEST(DaneHandshake, MismatchedRecordIsRefused) {
  const Pki& k = pki();
  auto o = dane_handshake("mx.example.test", {}, {record(3, 1, 1, k.ec_cert.get())});
  EXPECT_NE(o.verify, X509_V_OK);
  EXPECT_EQ(o.verify, X509_V_ERR_DANE_NO_MATCH) << X509_verify_cert_error_string(o.verify);
  EXPECT_EQ(o.match, "");
}

TEST(DaneHandshake, DaneTaWithTheChainAndItsNameChecks) {
  const Pki& k = pki();
  for (auto rec : {record(2, 1, 1, k.ca.get()), record(2, 0, 1, k.ca.get()), record(2, 0, 2, k.ca.get())}) {
    auto o = dane_handshake("mx.example.test", {}, {rec});
    EXPECT_EQ(o.verify, X509_V_OK) << X509_verify_cert_error_string(o.verify);
    EXPECT_NE(o.match.find("matched the trust anchor at depth 1"), std::string::npos) << o.match;
  }
  // The certificate names mx.example.test: a base domain that differs needs it among the names.
  auto wrong = dane_handshake("smtp.example.test", {"example.test"}, {record(2, 1, 1, k.ca.get())});
  EXPECT_EQ(wrong.verify, X509_V_ERR_HOSTNAME_MISMATCH) << X509_verify_cert_error_string(wrong.verify);
  auto extra = dane_handshake("smtp.example.test", {"mx.example.test"}, {record(2, 1, 1, k.ca.get())});
  EXPECT_EQ(extra.verify, X509_V_OK) << X509_verify_cert_error_string(extra.verify);
}

TEST(DaneHandshake, DigestsLeftOutOfTheListAreNotUsed) {
  const Pki& k = pki();
  std::shared_ptr<SSL_CTX> cctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  ASSERT_TRUE(enable_dane(cctx.get(), *parse_dane_digests({"sha256"})).ok());
  std::shared_ptr<SSL> client(SSL_new(cctx.get()), SSL_free);
  auto r = arm_dane(client.get(), "mx.example.test", {}, {record(3, 1, 2, k.rsa_cert.get())});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "no usable TLSA records");
}

}  // namespace
}  // namespace tern::tls
