// The client certificate's fingerprints as Postfix prints and matches them
// (relay_clientcerts, check_ccert_access, ccert_fingerprint in policy requests):
// the digest (smtpd_tls_fingerprint_digest) of the DER certificate or of its public key,
// upper-case hex pairs joined by ':'.
#pragma once
#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::tls {

struct PeerFingerprints {
  std::string certificate, public_key;  // "" when the peer sent no certificate
};

// An unknown digest name is an error (checked at startup with an empty SSL: pass nullptr).
Result<PeerFingerprints> peer_fingerprints(const SSL* ssl, std::string_view digest);

}  // namespace tern::tls
