// tls/server_context reloading: a rewritten certificate is served to new sessions, an SSL
// created before keeps the old one, a broken rewrite keeps the old context and says why,
// and tickets issued before a reload still resume after it.
#include <gtest/gtest.h>

#include "pki_fixture.hpp"

namespace tern::tls {
namespace {

using namespace testing;

struct Reloading : ::testing::Test {
  tern::testing::TempDir dir;
  std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");

  void write_pair(const Key& k, long serial) {
    write_pem(key, {{k, nullptr}});
    write_pem(cert, {{nullptr, make_cert(k, "mx.example.test", serial, false, pki().ca, pki().ca_key)},
                     {nullptr, pki().ca}});
  }
  std::shared_ptr<ServerContext> make() {
    return make_context(params({{"smtpd_tls_security_level", "may"},
                                {"smtpd_tls_cert_file", cert},
                                {"smtpd_tls_key_file", key}}));
  }
};

TEST_F(Reloading, NothingChangedNothingReloaded) {
  write_pair(pki().rsa_key, 1);
  auto c = make();
  std::string why = "x";
  EXPECT_FALSE(c->reload_if_changed(&why));
  EXPECT_EQ(why, "");
}

TEST_F(Reloading, NewCertificateForNewSessionsOldForRunningOnes) {
  write_pair(pki().rsa_key, 1);
  auto c = make();
  auto old_ctx = c->current();
  SSL* before = SSL_new(old_ctx.get());  // a session that started before the renewal
  old_ctx.reset();

  write_pair(pki().other_key, 2);  // renewal with a new key, as certbot does
  std::string why;
  EXPECT_TRUE(c->reload_if_changed(&why)) << why;
  auto after = handshake(new_server_ssl(*c));
  ASSERT_TRUE(after.ok) << after.error;
  EXPECT_EQ(server_serial(after), 2);
  auto running = handshake(before);
  ASSERT_TRUE(running.ok) << running.error;
  EXPECT_EQ(server_serial(running), 1);
  EXPECT_FALSE(c->reload_if_changed(&why));
}

TEST_F(Reloading, BrokenRewriteKeepsTheOldContext) {
  write_pair(pki().rsa_key, 1);
  auto c = make();
  // The certificate is renewed but the key is not (yet): a mismatch.
  write_pem(cert, {{nullptr, make_cert(pki().other_key, "mx.example.test", 3, false, pki().ca,
                                       pki().ca_key)}});
  std::string why;
  EXPECT_FALSE(c->reload_if_changed(&why));
  EXPECT_NE(why.find("does not match"), std::string::npos) << why;
  EXPECT_NE(why.find(key), std::string::npos) << why;
  auto h = handshake(new_server_ssl(*c));
  ASSERT_TRUE(h.ok) << h.error;
  EXPECT_EQ(server_serial(h), 1);
  // Asked again with the same broken files: same reason, no rebuild.
  EXPECT_FALSE(c->reload_if_changed(&why));
  EXPECT_NE(why.find("does not match"), std::string::npos);
  // The key arrives: now it loads.
  write_pem(key, {{pki().other_key, nullptr}});
  EXPECT_TRUE(c->reload_if_changed(&why)) << why;
  EXPECT_EQ(server_serial(handshake(new_server_ssl(*c))), 3);
}

TEST_F(Reloading, MissingFileKeepsTheOldContext) {
  write_pair(pki().rsa_key, 1);
  auto c = make();
  std::remove(cert.c_str());
  std::string why;
  EXPECT_FALSE(c->reload_if_changed(&why));
  EXPECT_NE(why.find(cert), std::string::npos) << why;
  EXPECT_EQ(server_serial(handshake(new_server_ssl(*c))), 1);
}

TEST_F(Reloading, TicketsSurviveAReload) {
  write_pair(pki().rsa_key, 1);
  auto c = make();
  auto first = handshake(new_server_ssl(*c), {TLS1_3_VERSION, TLS1_3_VERSION});
  ASSERT_TRUE(first.ok);
  SSL_SESSION* s = SSL_get1_session(first.client.get());
  write_pair(pki().rsa_key, 4);
  ASSERT_TRUE(c->reload_if_changed());
  auto second = handshake(new_server_ssl(*c), {TLS1_3_VERSION, TLS1_3_VERSION, "", "", s});
  SSL_SESSION_free(s);
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_TRUE(SSL_session_reused(second.server.get()));
}

TEST_F(Reloading, CurrentChecksAfterTheInterval) {
  write_pair(pki().rsa_key, 1);
  auto c = make_context(params({{"smtpd_tls_security_level", "may"},
                                {"smtpd_tls_cert_file", cert},
                                {"smtpd_tls_key_file", key},
                                {"tls_cert_reload_interval", "0"}}));
  write_pair(pki().rsa_key, 5);
  // Interval 0: current() never checks by itself.
  EXPECT_EQ(server_serial(handshake(new_server_ssl(*c))), 1);
  EXPECT_TRUE(c->reload_if_changed());
  EXPECT_EQ(server_serial(handshake(new_server_ssl(*c))), 5);
}

}  // namespace
}  // namespace tern::tls
