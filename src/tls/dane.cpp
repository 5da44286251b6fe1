// DANE through OpenSSL's SSL_dane_* API; see dane.hpp.
#include "tls/dane.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "tls/ssl_error.hpp"

namespace tern::tls {

namespace {

constexpr const char* kParam = "tls_dane_digests";

const DaneDigest* digest_for(const DaneDigests& digests, uint8_t mtype) {
  for (const auto& d : digests)
    if (d.mtype == mtype) return &d;
  return nullptr;
}

// The DER form of the certificate or of its public key.
Result<std::string> selected_der(X509* cert, uint8_t selector) {
  unsigned char* der = nullptr;
  int len = -1;
  if (selector == 0) len = i2d_X509(cert, &der);
  else if (selector == 1) len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  else return Error{fmt::format("unknown TLSA selector {} (0 certificate, 1 public key)", selector)};
  if (len < 0) return Error{ssl_errors("cannot encode the certificate")};
  std::string out(reinterpret_cast<char*>(der), size_t(len));
  OPENSSL_free(der);
  return out;
}

// Whether exact (matching type 0) data parses as what the selector names.
bool parses_as_selected(const std::string& data, uint8_t selector) {
  auto p = reinterpret_cast<const unsigned char*>(data.data());
  long len = long(data.size());
  if (selector == 0) {
    X509* x = d2i_X509(nullptr, &p, len);
    bool ok = x && p == reinterpret_cast<const unsigned char*>(data.data()) + len;
    X509_free(x);
    return ok;
  }
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, len);
  bool ok = k && p == reinterpret_cast<const unsigned char*>(data.data()) + len;
  EVP_PKEY_free(k);
  return ok;
}

}  // namespace

Result<DaneDigests> parse_dane_digests(const std::vector<std::string>& list) {
  DaneDigests out;
  for (const auto& item : list) {
    std::string word = lower(trim(item));
    if (word.empty()) continue;
    DaneDigest d;
    auto eq = word.find('=');
    d.name = word.substr(0, eq);
    if (eq != std::string::npos) {
      std::string num = word.substr(eq + 1);
      int n = num.empty() || num.size() > 3 ? -1 : std::atoi(num.c_str());
      if (num.find_first_not_of("0123456789") != std::string::npos || n < 1 || n > 255)
        return Error{fmt::format("{}: invalid matching type in \"{}\" (expected 1-255)", kParam, word)};
      d.mtype = uint8_t(n);
    } else if (d.name == "sha256") {
      d.mtype = 1;
    } else if (d.name == "sha512") {
      d.mtype = 2;
    } else {
      return Error{fmt::format("{}: \"{}\" needs a matching type (name=N); only sha256 and sha512 have one", kParam, word)};
    }
    if (!EVP_get_digestbyname(d.name.c_str()))
      return Error{fmt::format("{}: unknown digest \"{}\"", kParam, d.name)};
    if (digest_for(out, d.mtype))
      return Error{fmt::format("{}: matching type {} given twice", kParam, d.mtype)};
    out.push_back(std::move(d));
  }
  if (out.empty()) return Error{fmt::format("{}: no digest given", kParam)};
  return out;
}

Result<std::string> association_data(X509* cert, uint8_t selector, uint8_t mtype, const DaneDigests& digests) {
  auto der = selected_der(cert, selector);
  if (!der || mtype == 0) return der;
  const DaneDigest* d = digest_for(digests, mtype);
  if (!d) return Error{fmt::format("no digest for TLSA matching type {} in {}", mtype, kParam)};
  const EVP_MD* md = EVP_get_digestbyname(d->name.c_str());
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!md || EVP_Digest(der->data(), der->size(), buf, &len, md, nullptr) != 1)
    return Error{ssl_errors("digest failed")};
  return std::string(reinterpret_cast<char*>(buf), len);
}

std::string unusable_reason(const dns::Tlsa& t, const DaneDigests& digests) {
  if (t.usage == 0 || t.usage == 1) return fmt::format("usage {} (PKIX) is not used for SMTP (RFC 7672)", t.usage);
  if (t.usage != 2 && t.usage != 3) return fmt::format("unknown usage {}", t.usage);
  if (t.selector > 1) return fmt::format("unknown selector {}", t.selector);
  if (t.mtype == 0)
    return parses_as_selected(t.data, t.selector) ? ""
           : t.selector == 0                      ? "exact data is not a DER certificate"
                                                  : "exact data is not a DER public key";
  const DaneDigest* d = digest_for(digests, t.mtype);
  if (!d) return fmt::format("matching type {} is not in {}", t.mtype, kParam);
  const EVP_MD* md = EVP_get_digestbyname(d->name.c_str());
  if (!md || t.data.size() != size_t(EVP_MD_get_size(md)))
    return fmt::format("{} digest of {} octets (want {})", d->name, t.data.size(), md ? EVP_MD_get_size(md) : 0);
  return "";
}

Status enable_dane(SSL_CTX* ctx, const DaneDigests& digests) {
  if (SSL_CTX_dane_enable(ctx) <= 0) return Error{ssl_errors("SSL_CTX_dane_enable failed")};
  // Matching types 1 and 2 are on by default; only what tls_dane_digests lists stays on,
  // ordered so the first (strongest) wins when a server publishes several (RFC 7671 §9).
  for (uint8_t mtype : {uint8_t(1), uint8_t(2)})
    if (!digest_for(digests, mtype) && SSL_CTX_dane_mtype_set(ctx, nullptr, mtype, 0) <= 0)
      return Error{ssl_errors("SSL_CTX_dane_mtype_set failed")};
  for (size_t i = 0; i < digests.size(); ++i) {
    const EVP_MD* md = EVP_get_digestbyname(digests[i].name.c_str());
    auto ord = uint8_t(digests.size() - i);
    if (!md || SSL_CTX_dane_mtype_set(ctx, md, digests[i].mtype, ord) <= 0)
      return Error{ssl_errors(fmt::format("{}: cannot use digest {}", kParam, digests[i].name).c_str())};
  }
  return ok_status();
}

Status arm_dane(SSL* ssl, const std::string& base_domain, const std::vector<std::string>& names,
                const std::vector<dns::Tlsa>& records) {
  if (SSL_dane_enable(ssl, base_domain.c_str()) <= 0) return Error{ssl_errors("SSL_dane_enable failed")};
  // RFC 7672 §3.1.1: DANE-EE(3) binds the key itself; names are checked only under DANE-TA(2).
  SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  for (const auto& n : names)
    if (!n.empty() && !iequals(n, base_domain) && SSL_add1_host(ssl, n.c_str()) != 1)
      return Error{ssl_errors(fmt::format("cannot add the reference identifier {}", n).c_str())};
  int usable = 0;
  for (const auto& t : records) {
    int rc = SSL_dane_tlsa_add(ssl, t.usage, t.selector, t.mtype,
                               reinterpret_cast<const unsigned char*>(t.data.data()), t.data.size());
    if (rc > 0) ++usable;
    ERR_clear_error();  // an unusable record is not an error
  }
  if (usable == 0) return Error{"no usable TLSA records"};
  return ok_status();
}

std::string dane_match(SSL* ssl) {
  uint8_t usage = 0, selector = 0, mtype = 0;
  const unsigned char* data = nullptr;
  size_t len = 0;
  int depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data, &len);
  if (depth < 0) return "";
  return fmt::format("TLSA {} {} {} matched the {} at depth {}", usage, selector, mtype,
                     depth == 0 ? "server certificate" : "trust anchor", depth);
}

}  // namespace tern::tls
