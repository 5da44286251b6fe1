// PEM reading for server credentials. Files are read block by block so each key and
// certificate keeps its position (chain files depend on order) and every failure can say
// which file and what was wrong.
#include "tls/pem.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <vector>

#include "tls/ssl_error.hpp"

namespace tern::tls {
namespace {

struct Free {
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

struct PemObject {
  KeyPtr key;    // exactly one of key / cert is set
  X509Ptr cert;
};

bool is_key_label(std::string_view n) { return n.ends_with("PRIVATE KEY"); }
bool is_cert_label(std::string_view n) {
  return n == "CERTIFICATE" || n == "TRUSTED CERTIFICATE" || n == "X509 CERTIFICATE";
}

// Re-encodes one PEM block and decodes it with the typed reader for its label.
Result<PemObject> decode_block(const char* name, const char* header, const unsigned char* data,
                               long len, const std::string& file) {
  BioPtr mem(BIO_new(BIO_s_mem()));
  PEM_write_bio(mem.get(), name, header, data, len);
  PemObject o;
  if (is_key_label(name)) {
    o.key.reset(PEM_read_bio_PrivateKey(mem.get(), nullptr, nullptr, nullptr));
    if (!o.key) return Error{"cannot read private key from " + file + ": " + ssl_errors()};
  } else {
    o.cert.reset(PEM_read_bio_X509_AUX(mem.get(), nullptr, nullptr, nullptr));
    if (!o.cert) return Error{"cannot read certificate from " + file + ": " + ssl_errors()};
  }
  return o;
}

// Every key and certificate in the file, in order; other PEM blocks are skipped.
Result<std::vector<PemObject>> read_pem_file(const std::string& file) {
  ERR_clear_error();
  BioPtr in(BIO_new_file(file.c_str(), "r"));
  if (!in) return Error{"cannot open " + file + ": " + ssl_errors()};
  std::vector<PemObject> out;
  for (;;) {
    char *name = nullptr, *header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(in.get(), &name, &header, &data, &len) != 1) break;
    Result<PemObject> o = Error{};
    bool wanted = is_key_label(name) || is_cert_label(name);
    if (wanted) o = decode_block(name, header, data, len, file);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (!wanted) continue;
    if (!o) return o.error();
    out.push_back(std::move(*o));
  }
  ERR_clear_error();  // PEM_read_bio's "no start line" at end of file
  return out;
}

struct Group {
  KeyPtr key;
  X509Ptr leaf;
  std::vector<X509Ptr> chain;
};

Status install(SSL_CTX* ctx, Group& g, const std::string& cert_file,
               const std::string& key_file) {
  if (!X509_check_private_key(g.leaf.get(), g.key.get())) {
    ERR_clear_error();
    if (cert_file == key_file)
      return Error{"private key in " + key_file + " does not match its certificate"};
    return Error{"private key in " + key_file + " does not match the certificate in " +
                 cert_file};
  }
  STACK_OF(X509)* chain = sk_X509_new_null();
  for (auto& c : g.chain) sk_X509_push(chain, c.get());
  int ok = SSL_CTX_use_cert_and_key(ctx, g.leaf.get(), g.key.get(), chain, 1);
  sk_X509_free(chain);  // the context took its own references
  if (ok != 1) return Error{"cannot use the certificate in " + cert_file + ": " + ssl_errors()};
  return ok_status();
}

// Splits a chain file into groups: a key starts a group (or completes one begun by its
// certificate), the first certificate is the leaf and the rest its chain.
Result<std::vector<Group>> group_objects(std::vector<PemObject>& objs, const std::string& file) {
  std::vector<Group> out;
  for (auto& o : objs) {
    if (o.key) {
      if (out.empty() || out.back().key) out.emplace_back();
      out.back().key = std::move(o.key);
    } else {
      if (out.empty()) out.emplace_back();
      Group& g = out.back();
      if (!g.leaf) g.leaf = std::move(o.cert);
      else g.chain.push_back(std::move(o.cert));
    }
  }
  if (out.empty()) return Error{"no private key or certificate found in " + file};
  for (const auto& g : out) {
    if (!g.key) return Error{"certificate without a private key in " + file};
    if (!g.leaf) return Error{"private key without a certificate in " + file};
  }
  return out;
}

}  // namespace

Status use_key_pair(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file) {
  auto certs = read_pem_file(cert_file);
  if (!certs) return certs.error();
  Group g;
  for (auto& o : *certs) {
    if (!o.cert) continue;
    if (!g.leaf) g.leaf = std::move(o.cert);
    else g.chain.push_back(std::move(o.cert));
  }
  if (!g.leaf) return Error{"no certificate found in " + cert_file};
  auto keys = key_file == cert_file ? std::move(certs) : read_pem_file(key_file);
  if (!keys) return keys.error();
  for (auto& o : *keys)
    if (o.key && !g.key) g.key = std::move(o.key);
  if (!g.key) return Error{"no private key found in " + key_file};
  return install(ctx, g, cert_file, key_file);
}

Status use_chain_file(SSL_CTX* ctx, const std::string& file) {
  auto objs = read_pem_file(file);
  if (!objs) return objs.error();
  auto groups = group_objects(*objs, file);
  if (!groups) return groups.error();
  for (auto& g : *groups)
    if (auto st = install(ctx, g, file, file); !st) return st;
  return ok_status();
}

}  // namespace tern::tls
