// The smtp client's TLS policy: Postfix's levels (none, may, encrypt, dane, dane-only,
// fingerprint, verify, secure), the default from smtp_tls_security_level (or the legacy
// smtp_enforce_tls / smtp_use_tls), and per-destination entries from smtp_tls_policy_maps
//   [mx.example.net]:587   encrypt protocols=>=TLSv1.2
//   example.org            secure match=example.org:.example.org ciphers=high
// parsed into TlsPolicy. Parsing is pure; the table lookup order is in lookup_keys().
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "delivery/smtp/nexthop.hpp"
#include "dns/rdata.hpp"
#include "maps/lookup.hpp"

namespace tern::delivery::smtp {

enum class TlsLevel { none, may, encrypt, dane, dane_only, fingerprint, verify, secure };

std::string_view level_name(TlsLevel l);
std::optional<TlsLevel> parse_level(std::string_view text);

struct TlsPolicy {
  TlsLevel level = TlsLevel::none;
  std::vector<std::string> match;               // verify/secure names; empty = the default
  std::optional<std::vector<std::string>> protocols;  // protocols= (":" separated)
  std::optional<std::string> ciphers;           // ciphers= grade
  std::vector<std::string> exclude;             // exclude= ciphers
  std::optional<std::string> servername;        // servername=
  bool from_table = false;
  // Level dane after RFC 7672's decision for one host (dane.hpp): the usable TLSA records,
  // their base domain, and whether the host name came from secure DNS ("Verified") or not
  // ("Trusted", smtp_tls_dane_insecure_mx_policy = dane).
  std::vector<dns::Tlsa> tlsa;
  std::string tlsa_base;
  bool dane_name_secure = true;

  bool required() const { return level >= TlsLevel::encrypt; }
  bool dane_verify() const { return (level == TlsLevel::dane || level == TlsLevel::dane_only) && !tlsa.empty(); }
  bool needs_verification() const { return level == TlsLevel::verify || level == TlsLevel::secure || dane_verify(); }
};

// One policy table value: a level, then name=value attributes. Errors name the problem.
Result<TlsPolicy> parse_policy_entry(std::string_view value);

// Keys looked up in smtp_tls_policy_maps for a nexthop, most specific first: the nexthop as
// written ("[mx.example.net]:587", "example.org"), then for a domain its parent domains as
// ".example.org" (Postfix's parent_domain_matches_subdomains style lookups).
std::vector<std::string> lookup_keys(std::string_view nexthop_text, const Nexthop& n);

// The policy for a nexthop: the first entry of smtp_tls_policy_maps along lookup_keys(),
// else `fallback` (the level from smtp_tls_security_level). Errors name the table and key.
Result<TlsPolicy> find_policy(const std::vector<std::shared_ptr<const maps::Lookup>>& tables, std::string_view nexthop_text,
                              const Nexthop& n, const TlsPolicy& fallback);

}  // namespace tern::delivery::smtp
