// DKIM key records (RFC 6376 §3.6.1, RFC 8463): the TXT record at
// selector._domainkey.domain. parse_key_record() is strict where the RFC says the record
// is unusable (v= other than DKIM1 or not first, an unknown k=, p= not base64) and keeps
// what verification needs: the key type and bytes (empty = revoked), the hash algorithms
// (h=), the service types (s=) and the flags t=y (testing) and t=s (no subdomains in i=).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::dkim {

enum class KeyType { rsa, ed25519 };

struct KeyRecord {
  KeyType type = KeyType::rsa;
  std::string public_key;              // p=, decoded; empty: the key was revoked
  std::vector<std::string> hashes;     // h=; empty: any
  std::vector<std::string> services;   // s=; empty: "*"
  bool testing = false;                // t=y
  bool strict_identity = false;        // t=s

  bool allows_hash(std::string_view h) const;
  bool allows_email() const;
};

Result<KeyRecord> parse_key_record(std::string_view txt);

}  // namespace tern::dkim
