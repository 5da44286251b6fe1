// The smtp client's handshake at level dane (TlsClient with a per-host policy from
// dane.hpp's apply()), against an in-process OpenSSL server over a BIO pair: DANE-EE and
// DANE-TA records verify and log "Verified", a mismatch is "Server certificate not verified"
// with OpenSSL's reason, an insecure MX makes success "Trusted", the SNI name is the TLSA
// base domain, and the levels without records (encrypt, may) do not verify at all.
#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "../tls/pki_fixture.hpp"
#include "config/config.hpp"
#include "delivery/smtp/dane.hpp"
#include "delivery/smtp/family.hpp"
#include "delivery/smtp/tls_client.hpp"

namespace tern::delivery::smtp {
namespace {

namespace pk = tern::tls::testing;

// A Channel whose TLS handshake runs against a server SSL in the same thread.
class BioPairChannel : public Channel {
 public:
  BioPairChannel() {
    const pk::Pki& k = pk::pki();
    ctx_.reset(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
    SSL_CTX_use_certificate(ctx_.get(), k.rsa_cert.get());
    SSL_CTX_use_PrivateKey(ctx_.get(), k.rsa_key.get());
    SSL_CTX_add1_chain_cert(ctx_.get(), k.ca.get());
    server_.reset(SSL_new(ctx_.get()), SSL_free);
  }
  ~BioPairChannel() override { SSL_free(client_); }
  IoStatus write(std::string_view, Deadline) override { return {IoStatus::failed, "not used"}; }
  IoStatus read(std::string&, Deadline) override { return {IoStatus::failed, "not used"}; }
  IoStatus start_tls(SSL* ssl, Deadline) override {
    client_ = ssl;
    if (!pk::drive_handshake(server_.get(), client_)) return {IoStatus::failed, "handshake failed"};
    return {};
  }
  const SSL* tls() const override { return client_; }
  std::string sni() const {
    const char* s = SSL_get_servername(server_.get(), TLSEXT_NAMETYPE_host_name);
    return s ? s : "";
  }

 private:
  std::shared_ptr<SSL_CTX> ctx_;
  std::shared_ptr<SSL> server_;
  SSL* client_ = nullptr;
};

// The client from a main.cf with `extra` lines, loaded as ternd loads it.
Result<std::unique_ptr<TlsClient>> make_client(const std::string& extra) {
  tern::testing::TempDir dir;
  dir.write("main.cf", "queue_directory = " + dir.file("spool") + "\n" + extra);
  dir.write("master.cf", "smtp unix - - n - - smtp\n");
  auto cfg = config::load(config::LoadOptions{dir.path()});
  if (!cfg) return cfg.error();
  static std::vector<std::shared_ptr<const config::Config>> kept;  // TlsClient points into its Params
  kept.push_back(*cfg);
  const auto& p = (*cfg)->params;
  return TlsClient::make(p, tls_params(p, false));
}

std::unique_ptr<TlsClient> client() {
  auto c = make_client("");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? std::move(*c) : nullptr;
}

dns::Tlsa record(uint8_t usage, uint8_t selector, uint8_t mtype, X509* cert) {
  auto d = tls::parse_dane_digests({"sha512", "sha256"});
  return {usage, selector, mtype, *tls::association_data(cert, selector, mtype, *d)};
}

// The policy decide() gives mx.example.test for `records` in a secure zone.
TlsPolicy dane_policy(const std::vector<dns::Tlsa>& records, bool mx_secure = true) {
  DaneDecision d;
  d.level = TlsLevel::dane;
  d.records = records;
  d.base_domain = "mx.example.test";
  d.name_secure = mx_secure;
  TlsPolicy base;
  base.level = TlsLevel::dane;
  return apply(base, d);
}

const TlsTarget kTarget{"example.test", "mx.example.test", "mx.example.test[127.0.0.1]:25"};

TEST(SmtpTlsDane, DaneEeVerifiesAndLogsVerified) {
  auto c = client();
  BioPairChannel ch;
  auto r = c->handshake(ch, dane_policy({record(3, 1, 1, pk::pki().rsa_cert.get())}), kTarget, deadline_in(std::chrono::seconds(5)));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.verified);
  EXPECT_TRUE(r.summary.starts_with("Verified TLS connection established to mx.example.test[127.0.0.1]:25: TLSv1.3 with cipher "))
      << r.summary;
  EXPECT_EQ(r.detail, "TLSA 3 1 1 matched the server certificate at depth 0");
  EXPECT_EQ(ch.sni(), "mx.example.test");
}

TEST(SmtpTlsDane, DaneTaWithTheChainVerifies) {
  auto c = client();
  BioPairChannel ch;
  auto r = c->handshake(ch, dane_policy({record(2, 1, 1, pk::pki().ca.get())}), kTarget, deadline_in(std::chrono::seconds(5)));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.summary.starts_with("Verified TLS connection")) << r.summary;
  EXPECT_EQ(r.detail, "TLSA 2 1 1 matched the trust anchor at depth 1");
}

TEST(SmtpTlsDane, DaneTaChecksTheNamesMxHostAndNexthop) {
  auto c = client();
  BioPairChannel ch;
  // The certificate says mx.example.test; neither the base domain nor the names match it.
  TlsPolicy pol = dane_policy({record(2, 1, 1, pk::pki().ca.get())});
  pol.tlsa_base = "smtp.example.org";
  TlsTarget other{"example.org", "smtp.example.org", "smtp.example.org[127.0.0.1]:25"};
  auto r = c->handshake(ch, pol, other, deadline_in(std::chrono::seconds(5)));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "Server certificate not verified");
  EXPECT_EQ(r.detail, "hostname mismatch");
  // The nexthop domain is a reference identifier too.
  BioPairChannel ch2;
  TlsTarget nexthop{"mx.example.test", "smtp.example.org", "smtp.example.org[127.0.0.1]:25"};
  EXPECT_TRUE(c->handshake(ch2, pol, nexthop, deadline_in(std::chrono::seconds(5))).ok);
}

TEST(SmtpTlsDane, MismatchIsNotVerified) {
  auto c = client();
  BioPairChannel ch;
  auto r = c->handshake(ch, dane_policy({record(3, 1, 1, pk::pki().ec_cert.get())}), kTarget, deadline_in(std::chrono::seconds(5)));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.handshake_failed);
  EXPECT_EQ(r.dsn, "4.7.5");
  EXPECT_EQ(r.error, "Server certificate not verified");
  EXPECT_EQ(r.detail, "no matching DANE TLSA records");
  EXPECT_TRUE(r.summary.starts_with("Untrusted TLS connection")) << r.summary;
}

TEST(SmtpTlsDane, InsecureMxMakesItTrustedNotVerified) {
  auto c = client();
  BioPairChannel ch;
  auto r = c->handshake(ch, dane_policy({record(3, 1, 1, pk::pki().rsa_cert.get())}, false), kTarget,
                        deadline_in(std::chrono::seconds(5)));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.summary.starts_with("Trusted TLS connection")) << r.summary;
}

TEST(SmtpTlsDane, EncryptAndMayDoNotVerify) {
  auto c = client();
  for (TlsLevel level : {TlsLevel::encrypt, TlsLevel::may}) {
    DaneDecision d;
    d.level = level;
    TlsPolicy base;
    base.level = TlsLevel::dane;
    BioPairChannel ch;
    auto r = c->handshake(ch, apply(base, d), kTarget, deadline_in(std::chrono::seconds(5)));
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(r.summary.starts_with("Untrusted TLS connection")) << r.summary;
  }
}

TEST(SmtpTlsDane, BadDigestListIsAConfigurationError) {
  auto c = make_client("tls_dane_digests = sha256 nosuch=3\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("tls_dane_digests"), std::string::npos);
}

}  // namespace
}  // namespace tern::delivery::smtp
