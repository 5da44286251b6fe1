// DANE on the OpenSSL side (RFC 6698, RFC 7671, RFC 7672): the TLSA association data of a
// certificate (what `tern dane tlsa` prints and the tests publish), Postfix's
// tls_dane_digests (which matching types count, strongest first), which records a client
// can use at all (DANE-TA(2) and DANE-EE(3) only, as RFC 7672 §3.1.3 says for SMTP), and
// arming one SSL with them through OpenSSL's SSL_dane_* API so the handshake's chain
// verification is the DANE check, name checks for DANE-TA included.
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "dns/rdata.hpp"

namespace tern::tls {

// One accepted digest: its OpenSSL name and its TLSA matching type number.
struct DaneDigest {
  std::string name;   // "sha256"
  uint8_t mtype = 0;  // 1
};
using DaneDigests = std::vector<DaneDigest>;  // strongest first

// tls_dane_digests: "sha512 sha256" (the two RFC 6698 matching types), or name=N for
// another OpenSSL digest under matching type N (3-255). Errors name the parameter.
Result<DaneDigests> parse_dane_digests(const std::vector<std::string>& list);

// The association data for (selector, mtype) of `cert`: selector 0 the DER certificate,
// 1 its DER SubjectPublicKeyInfo; mtype 0 as is, else hashed with the digest `digests`
// gives that matching type (by default 1 = SHA2-256, 2 = SHA2-512).
Result<std::string> association_data(X509* cert, uint8_t selector, uint8_t mtype,
                                     const DaneDigests& digests);

// Why the record cannot take part in DANE for SMTP, or "" when it can: PKIX-TA(0) and
// PKIX-EE(1) are ignored (RFC 7672 §3.1.3), as are unknown usages, selectors and matching
// types, digests left out of tls_dane_digests and digests of the wrong length.
std::string unusable_reason(const dns::Tlsa& t, const DaneDigests& digests);

// Once per client context: SSL_CTX_dane_enable with the digests' order of strength.
Status enable_dane(SSL_CTX* ctx, const DaneDigests& digests);

// Arms `ssl` for DANE: `base_domain` is the TLSA base domain (also the SNI name); `names`
// are further reference identifiers for DANE-TA(2) name checks (the MX host name and the
// nexthop domain); every record is added. An Error when none of them is usable.
Status arm_dane(SSL* ssl, const std::string& base_domain, const std::vector<std::string>& names,
                const std::vector<dns::Tlsa>& records);

// After the handshake: whether DANE authenticated the peer, and how ("TLSA 3 1 1 matched the
// server certificate"; "" when not).
std::string dane_match(SSL* ssl);

}  // namespace tern::tls
