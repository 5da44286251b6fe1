// OpenSSL glue for DKIM; see crypto.hpp.
#include "dkim/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "dkim/tags.hpp"
#include "sasl/base64.hpp"

namespace tern::dkim {

namespace {

const EVP_MD* md_of(Algorithm a) { return a == Algorithm::rsa_sha1 ? EVP_sha1() : EVP_sha256(); }

PKey wrap(EVP_PKEY* k) { return PKey(k, EVP_PKEY_free); }

struct MdCtx {
  EVP_MD_CTX* p = EVP_MD_CTX_new();
  ~MdCtx() { EVP_MD_CTX_free(p); }
};

std::string sha256(std::string_view data) {
  Digest d(Algorithm::rsa_sha256);
  d.update(data);
  return d.final();
}

}  // namespace

Digest::Digest(Algorithm a) : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, md_of(a), nullptr); }
Digest::~Digest() { EVP_MD_CTX_free(ctx_); }
void Digest::update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
std::string Digest::final() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_, out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

Result<PKey> public_key(KeyType type, std::string_view key) {
  auto* p = reinterpret_cast<const unsigned char*>(key.data());
  if (type == KeyType::ed25519) {
    if (key.size() != 32) return Error{"ed25519 public key is not 32 bytes"};
    EVP_PKEY* k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, p, key.size());
    if (!k) return Error{"ed25519 public key is not usable"};
    return wrap(k);
  }
  const unsigned char* q = p;
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &q, long(key.size()));
  if (k && q == p + key.size() && EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) return wrap(k);
  EVP_PKEY_free(k);
  q = p;  // RFC 6376 names the bare RSAPublicKey; SubjectPublicKeyInfo is what is published
  k = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &q, long(key.size()));
  if (k && q == p + key.size()) return wrap(k);
  EVP_PKEY_free(k);
  return Error{"RSA public key does not parse"};
}

int key_bits(const PKey& k) { return EVP_PKEY_get_bits(k.get()); }

KeyType key_type(const PKey& k) {
  return EVP_PKEY_get_base_id(k.get()) == EVP_PKEY_ED25519 ? KeyType::ed25519 : KeyType::rsa;
}

bool verify_data(Algorithm a, const PKey& k, std::string_view data, std::string_view sig) {
  MdCtx ctx;
  auto* s = reinterpret_cast<const unsigned char*>(sig.data());
  if (a == Algorithm::ed25519_sha256) {
    if (key_type(k) != KeyType::ed25519) return false;
    std::string h = sha256(data);
    if (EVP_DigestVerifyInit(ctx.p, nullptr, nullptr, nullptr, k.get()) != 1) return false;
    return EVP_DigestVerify(ctx.p, s, sig.size(), reinterpret_cast<const unsigned char*>(h.data()), h.size()) == 1;
  }
  if (key_type(k) != KeyType::rsa) return false;
  if (EVP_DigestVerifyInit(ctx.p, nullptr, md_of(a), nullptr, k.get()) != 1) return false;
  return EVP_DigestVerify(ctx.p, s, sig.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

Result<std::string> sign_data(Algorithm a, const PKey& k, std::string_view data) {
  MdCtx ctx;
  std::string h;
  const EVP_MD* md = nullptr;
  if (a == Algorithm::ed25519_sha256) {
    h = sha256(data);
    data = h;
  } else {
    md = md_of(a);
  }
  size_t n = 0;
  auto* d = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSignInit(ctx.p, nullptr, md, nullptr, k.get()) != 1 ||
      EVP_DigestSign(ctx.p, nullptr, &n, d, data.size()) != 1)
    return Error{"signing failed (key and algorithm do not match?)"};
  std::string out(n, '\0');
  if (EVP_DigestSign(ctx.p, reinterpret_cast<unsigned char*>(out.data()), &n, d, data.size()) != 1)
    return Error{"signing failed"};
  out.resize(n);
  return out;
}

Result<PKey> load_private_key(const std::string& path) {
  auto text = read_file(path);
  if (!text) return Error{path + ": " + text.error().message};
  if (text->find("-----BEGIN") != std::string::npos) {
    BIO* bio = BIO_new_mem_buf(text->data(), int(text->size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!k) return Error{path + ": not a usable PEM private key"};
    return wrap(k);
  }
  auto seed = sasl::base64_decode(strip_fws(*text));
  if (!seed || seed->size() != 32) return Error{path + ": neither PEM nor a base64 Ed25519 seed"};
  EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                             reinterpret_cast<const unsigned char*>(seed->data()), 32);
  if (!k) return Error{path + ": Ed25519 seed is not usable"};
  return wrap(k);
}

Result<PKey> generate_key(KeyType type, int bits) {
  EVP_PKEY* k = type == KeyType::ed25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                         : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(bits));
  if (!k) return Error{"key generation failed"};
  return wrap(k);
}

std::string private_key_pem(const PKey& k) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, k.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  std::string out(p, size_t(n));
  BIO_free(bio);
  return out;
}

std::string public_key_record_data(const PKey& k) {
  if (key_type(k) == KeyType::ed25519) {
    unsigned char raw[32];
    size_t n = sizeof raw;
    EVP_PKEY_get_raw_public_key(k.get(), raw, &n);
    return sasl::base64_encode(std::string_view(reinterpret_cast<char*>(raw), n));
  }
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k.get(), &der);
  std::string out = sasl::base64_encode(std::string_view(reinterpret_cast<char*>(der), size_t(n)));
  OPENSSL_free(der);
  return out;
}

}  // namespace tern::dkim
