// DKIM signing (RFC 6376 §5, RFC 8463): one DKIM-Signature field per key, each computed
// over the message as given (several keys = dual signing, e.g. rsa-sha256 beside
// ed25519-sha256; no signature covers another). The h= list is RFC 6376 §5.4's: each
// name of `headers` once per instance present, plus once more for a name in `oversign`
// so that no instance can be added later without breaking the signature.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dkim/canon.hpp"
#include "dkim/crypto.hpp"

namespace tern::dkim {

struct SigningKey {
  std::string domain;     // d=
  std::string selector;   // s=
  PKey key;               // RSA → rsa-sha256, Ed25519 → ed25519-sha256
  std::string identity;   // i=, "" to leave it out
};

struct SignOptions {
  Canon header_canon = Canon::relaxed, body_canon = Canon::relaxed;
  std::vector<std::string> headers;   // dkim_sign_headers, lower case
  std::vector<std::string> oversign;  // dkim_oversign_headers
  int64_t now = 0;                    // t=; 0: the clock
  int64_t ttl = 0;                    // x= = t= + ttl; 0: no x=
};

// The whole DKIM-Signature field, folded with LF line ends and ending in "\n", ready to
// be put on top of the message. A message without a From field cannot be signed.
Result<std::string> sign_message(std::string_view message, const SigningKey& key, const SignOptions& opt);

}  // namespace tern::dkim
