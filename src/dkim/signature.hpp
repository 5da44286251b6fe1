// The DKIM-Signature header field (RFC 6376 §3.5) as a typed value: parse() checks what
// §6.1.1 requires of a signature before any key is fetched (v=1, the required tags, From
// in h=, i= within d=, x= not before t=, a known algorithm and canonicalization); each
// refusal says why. format_tags() writes our own signatures.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dkim/canon.hpp"

namespace tern::dkim {

enum class Algorithm { rsa_sha1, rsa_sha256, ed25519_sha256 };
std::string_view algorithm_name(Algorithm a);  // "rsa-sha256", ...
bool is_rsa(Algorithm a);

struct Signature {
  Algorithm algorithm = Algorithm::rsa_sha256;
  Canon header_canon = Canon::simple, body_canon = Canon::simple;
  std::string domain;                  // d=, as written
  std::string selector;                // s=
  std::string identity;                // i=, "@" + d= when absent
  std::vector<std::string> headers;    // h=, names as written
  std::string body_hash;               // bh=, decoded
  std::string signature;               // b=, decoded
  std::string b_text;                  // b= as written without FWS (its prefix goes into A-R)
  std::optional<uint64_t> length;      // l=
  std::optional<int64_t> timestamp;    // t=
  std::optional<int64_t> expiration;   // x=

  // Where the key record lives: selector._domainkey.domain.
  std::string key_name() const { return selector + "._domainkey." + domain; }
};

// `value` is the field's value (after "DKIM-Signature:").
Result<Signature> parse_signature(std::string_view value);

// "user@example.org" domain part is `domain` or a subdomain of it (case-insensitive).
bool within_domain(std::string_view identity_domain, std::string_view domain);

}  // namespace tern::dkim
