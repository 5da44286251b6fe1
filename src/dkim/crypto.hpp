// The cryptography DKIM uses, over OpenSSL 3's EVP interface: SHA-1/SHA-256 digests
// (streaming, for body hashes), public keys from key records (RSA as SubjectPublicKeyInfo
// or bare RSAPublicKey DER, Ed25519 as its raw 32 bytes), private keys from files (PEM,
// or the base64 Ed25519 seed dkimpy's dknewkey writes), signing and verifying as
// RFC 6376 §3.3 (RSASSA-PKCS1-v1_5) and RFC 8463 (PureEdDSA over the SHA-256 of the
// data) define them, and key generation for `tern dkim keygen`.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "dkim/key_record.hpp"
#include "dkim/signature.hpp"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace tern::dkim {

using PKey = std::shared_ptr<EVP_PKEY>;

class Digest {
 public:
  explicit Digest(Algorithm a);  // SHA-1 for rsa-sha1, SHA-256 otherwise
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  void update(std::string_view data);
  std::string final();  // the raw digest; the object is spent afterwards

 private:
  EVP_MD_CTX* ctx_;
};

Result<PKey> public_key(KeyType type, std::string_view der_or_raw);
int key_bits(const PKey& k);
KeyType key_type(const PKey& k);

// `data` is the canonicalized header data (the digest is taken here).
bool verify_data(Algorithm a, const PKey& k, std::string_view data, std::string_view signature);
Result<std::string> sign_data(Algorithm a, const PKey& k, std::string_view data);

Result<PKey> load_private_key(const std::string& path);
Result<PKey> generate_key(KeyType type, int bits);
std::string private_key_pem(const PKey& k);        // PKCS#8 PEM
std::string public_key_record_data(const PKey& k);  // what p= carries, base64

}  // namespace tern::dkim
