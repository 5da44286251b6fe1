// Test PKI and an in-memory TLS client for the tls/ unit tests: keys, a CA and server
// certificates made with the OpenSSL API into a temp dir, and a handshake between a
// server SSL and a client SSL over a BIO pair (no sockets).
#pragma once
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace tern::tls::testing {

struct KeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct CertFree { void operator()(X509* x) const { X509_free(x); } };
using Key = std::shared_ptr<EVP_PKEY>;
using Cert = std::shared_ptr<X509>;

inline Key rsa_key(int bits = 2048) { return Key(EVP_RSA_gen(bits), EVP_PKEY_free); }
inline Key ec_key() { return Key(EVP_EC_gen("P-256"), EVP_PKEY_free); }

// A certificate for `key`, signed by `issuer_key` (self-signed when null).
inline Cert make_cert(const Key& key, const std::string& cn, long serial, bool ca = false,
                      const Cert& issuer = nullptr, const Key& issuer_key = nullptr) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer.get()) : name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer ? issuer.get() : x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_basic_constraints,
                                            ca ? "critical,CA:TRUE" : "CA:FALSE");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(x, issuer_key ? issuer_key.get() : key.get(), EVP_sha256());
  return Cert(x, X509_free);
}

inline long serial_of(const X509* x) {
  return ASN1_INTEGER_get(X509_get0_serialNumber(x));
}

// Writes PEM blocks, keys and certificates in the order given.
struct PemItem {
  Key key;
  Cert cert;
};
inline void write_pem(const std::string& path, const std::vector<PemItem>& items) {
  std::string tmp = path + ".tmp";
  BIO* out = BIO_new_file(tmp.c_str(), "w");
  for (const auto& i : items) {
    if (i.key) PEM_write_bio_PrivateKey(out, i.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    if (i.cert) PEM_write_bio_X509(out, i.cert.get());
  }
  BIO_free(out);
  std::rename(tmp.c_str(), path.c_str());  // like certbot: a new inode
}

// The client side of a test handshake.
struct ClientOptions {
  int min_version = 0, max_version = 0;
  std::string ciphers;   // TLS 1.2 list; empty = default
  std::string sigalgs;   // e.g. "ECDSA+SHA256"; empty = default
  SSL_SESSION* session = nullptr;  // to resume
  bool no_ticket = false;
};

struct Handshake {
  std::shared_ptr<SSL> server, client;
  bool ok = false;
  std::string error;
};

inline std::shared_ptr<SSL_CTX> client_ctx(const ClientOptions& o) {
  std::shared_ptr<SSL_CTX> c(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_set_verify(c.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_min_proto_version(c.get(), o.min_version);
  SSL_CTX_set_max_proto_version(c.get(), o.max_version);
  if (!o.ciphers.empty()) SSL_CTX_set_cipher_list(c.get(), o.ciphers.c_str());
  if (!o.sigalgs.empty()) SSL_CTX_set1_sigalgs_list(c.get(), o.sigalgs.c_str());
  if (o.no_ticket) SSL_CTX_set_options(c.get(), SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(c.get(), SSL_SESS_CACHE_CLIENT);
  return c;
}

// Connects `server` and `client` by a BIO pair and runs both handshakes until they finish
// or neither can progress; true when both finished.
inline bool drive_handshake(SSL* server, SSL* client) {
  BIO *sb = nullptr, *cb = nullptr;
  BIO_new_bio_pair(&sb, 0, &cb, 0);
  SSL_set_bio(server, sb, sb);
  SSL_set_bio(client, cb, cb);
  SSL_set_accept_state(server);
  SSL_set_connect_state(client);
  bool s_done = false, c_done = false;
  ERR_clear_error();
  for (int round = 0; round < 50 && !(s_done && c_done); ++round) {
    if (!c_done) {
      int r = SSL_do_handshake(client);
      if (r == 1) c_done = true;
      else if (SSL_get_error(client, r) != SSL_ERROR_WANT_READ) break;
    }
    if (!s_done) {
      int r = SSL_do_handshake(server);
      if (r == 1) s_done = true;
      else if (SSL_get_error(server, r) != SSL_ERROR_WANT_READ) break;
    }
  }
  return s_done && c_done;
}

// Runs the handshake over a BIO pair until both ends finish or neither can progress. The
// client then reads once so TLS 1.3 session tickets get processed.
inline Handshake handshake(SSL* server_ssl, const ClientOptions& o = {}) {
  Handshake h;
  h.server.reset(server_ssl, SSL_free);
  auto cctx = client_ctx(o);
  h.client.reset(SSL_new(cctx.get()), SSL_free);
  if (o.session) SSL_set_session(h.client.get(), o.session);
  h.ok = drive_handshake(h.server.get(), h.client.get());
  if (!h.ok) {
    char buf[256] = "";
    if (unsigned long e = ERR_get_error()) ERR_error_string_n(e, buf, sizeof buf);
    h.error = buf;
  } else {
    char byte;
    SSL_read(h.client.get(), &byte, 1);  // WANT_READ; consumes NewSessionTicket
  }
  ERR_clear_error();
  return h;
}

inline int server_key_type(const Handshake& h) {
  X509* peer = SSL_get0_peer_certificate(h.client.get());
  return peer ? EVP_PKEY_get_base_id(X509_get0_pubkey(peer)) : NID_undef;
}

inline long server_serial(const Handshake& h) {
  X509* peer = SSL_get0_peer_certificate(h.client.get());
  return peer ? serial_of(peer) : -1;
}

}  // namespace tern::tls::testing
