// One set of test keys and certificates shared by the tls/ tests (RSA keys are slow to
// make): a CA, an RSA and an ECDSA server certificate signed by it, a key that matches
// neither, and helpers to build Params and a ServerContext over them.
#pragma once
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "../temp_dir.hpp"
#include "config/config.hpp"
#include "tls/server_context.hpp"
#include "test_pki.hpp"

namespace tern::tls::testing {

struct Pki {
  tern::testing::TempDir dir;
  Key ca_key, rsa_key, ec_key, other_key;
  Cert ca, rsa_cert, ec_cert;
  std::string ca_pem, rsa_cert_pem, rsa_key_pem, ec_cert_pem, ec_key_pem, other_key_pem,
      combined_pem, chain_pem;

  Pki() {
    ca_key = rsa_key_gen();
    ca = make_cert(ca_key, "Tern Test CA", 1, true);
    rsa_key = rsa_key_gen();
    rsa_cert = make_cert(rsa_key, "mx.example.test", 100, false, ca, ca_key);
    ec_key = tern::tls::testing::ec_key();
    ec_cert = make_cert(ec_key, "mx.example.test", 200, false, ca, ca_key);
    other_key = rsa_key_gen();
    ca_pem = file("ca.pem", {{nullptr, ca}});
    rsa_cert_pem = file("rsa-cert.pem", {{nullptr, rsa_cert}, {nullptr, ca}});
    rsa_key_pem = file("rsa-key.pem", {{rsa_key, nullptr}});
    ec_cert_pem = file("ec-cert.pem", {{nullptr, ec_cert}, {nullptr, ca}});
    ec_key_pem = file("ec-key.pem", {{ec_key, nullptr}});
    other_key_pem = file("other-key.pem", {{other_key, nullptr}});
    combined_pem = file("combined.pem", {{rsa_key, rsa_cert}, {nullptr, ca}});
    chain_pem = file("chain.pem", {{ec_key, ec_cert}, {nullptr, ca}, {rsa_key, rsa_cert},
                                   {nullptr, ca}});
  }
  static Key rsa_key_gen() { return tern::tls::testing::rsa_key(2048); }
  std::string file(const std::string& name, const std::vector<PemItem>& items) const {
    write_pem(dir.file(name), items);
    return dir.file(name);
  }
};

inline const Pki& pki() {
  static Pki p;
  return p;
}

using Kv = std::initializer_list<std::pair<const char*, std::string>>;

inline config::Params params(Kv kv) {
  config::RawParams raw;
  int line = 1;
  for (const auto& [k, v] : kv) raw[k] = config::RawValue{v, "/etc/tern/main.cf", line++};
  auto r = config::build_params(raw, {}, "/etc/tern");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : config::Params{};
}

// Params for level may with the RSA and ECDSA pairs, plus `extra`.
inline config::Params server_params(Kv extra = {}) {
  config::RawParams raw;
  const Pki& k = pki();
  raw["smtpd_tls_security_level"] = {"may", "", 0};
  raw["smtpd_tls_cert_file"] = {k.rsa_cert_pem, "", 0};
  raw["smtpd_tls_key_file"] = {k.rsa_key_pem, "", 0};
  raw["smtpd_tls_eccert_file"] = {k.ec_cert_pem, "", 0};
  raw["smtpd_tls_eckey_file"] = {k.ec_key_pem, "", 0};
  for (const auto& [n, v] : extra) raw[n] = {v, "/etc/tern/main.cf", 1};
  auto r = config::build_params(raw, {}, "/etc/tern");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : config::Params{};
}

inline std::shared_ptr<ServerContext> make_context(const config::Params& p,
                                                   const std::string& service = "smtp") {
  auto r = ServerContext::make(p, service);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : nullptr;
}

inline SSL* new_server_ssl(ServerContext& c) { return SSL_new(c.current().get()); }

}  // namespace tern::tls::testing
