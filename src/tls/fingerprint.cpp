// Client certificate fingerprints; see fingerprint.hpp.
#include "tls/fingerprint.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace tern::tls {

namespace {
std::string hex_pairs(const unsigned char* d, unsigned n) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    if (i) out += ':';
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 15];
  }
  return out;
}
}  // namespace

Result<PeerFingerprints> peer_fingerprints(const SSL* ssl, std::string_view digest) {
  const EVP_MD* md = EVP_get_digestbyname(std::string(digest).c_str());
  if (!md) return Error{"smtpd_tls_fingerprint_digest: unknown digest \"" + std::string(digest) + "\""};
  PeerFingerprints fp;
  if (!ssl) return fp;
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), X509_free);
  if (!cert) return fp;
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (X509_digest(cert.get(), md, buf, &n) != 1) return Error{"client certificate digest failed"};
  fp.certificate = hex_pairs(buf, n);
  if (X509_pubkey_digest(cert.get(), md, buf, &n) != 1) return Error{"client public key digest failed"};
  fp.public_key = hex_pairs(buf, n);
  return fp;
}

}  // namespace tern::tls
