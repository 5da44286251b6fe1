// MTA-STS for the smtp client (RFC 8461 §3.3, §5): which policy is in force for a
// destination domain. The `_mta-sts` TXT record says whether there is one and its id; a
// fresh cached policy with the same id is used as it is; otherwise the policy is fetched
// from https://mta-sts.DOMAIN/.well-known/mta-sts.txt (PKIX-verified for that name,
// no redirects) and cached on disk for max_age. When DNS or the fetch fails, a fresh
// cached policy stays in force; a policy of mode none is no policy.
//
// Lookups are blocking (the agents run on worker threads) and go through Tern's
// dns::Resolver only.
#pragma once
#include <openssl/ssl.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/params.hpp"
#include "dns/resolver.hpp"
#include "sts/cache.hpp"
#include "sts/policy.hpp"
#include "tlsrpt/event.hpp"

namespace tern::delivery::smtp {

struct StsSettings {
  std::string cache_directory;     // mta_sts_cache_directory; empty: no cache (tern check tls)
  std::chrono::seconds fetch_timeout{10};
  size_t size_limit = 65536;       // mta_sts_policy_size_limit
  std::string cafile;              // mta_sts_CAfile; empty: the system store
  int port = 443;                  // mta_sts_fetch_port
};
StsSettings sts_settings(const config::Params& p);

// The policy in force for one domain and how it was found, for the log and `tern check tls`.
struct StsLookup {
  std::optional<sts::Policy> policy;  // absent: the domain has no policy in force
  std::string id;
  std::string source;                 // "cache", "fetched", or "" when there is none
  std::string note;                   // why there is none, or why a cached one was kept
  bool announced = false;             // a valid _mta-sts record names a policy id
  // Why an announced policy could not be had, as TLS-RPT counts it (even when a cached one stays in force).
  std::optional<tlsrpt::ResultType> failure;
};

class StsPolicies {
 public:
  static Result<std::unique_ptr<StsPolicies>> make(const StsSettings& s, std::shared_ptr<dns::Resolver> dns);
  ~StsPolicies();

  StsLookup find(std::string_view domain, std::time_t now) const;

  // The policy text at https://mta-sts.DOMAIN/.well-known/mta-sts.txt, or why not.
  Result<std::string> fetch(std::string_view domain) const;

 private:
  StsPolicies(const StsSettings& s, std::shared_ptr<dns::Resolver> dns)
      : s_(s), dns_(std::move(dns)), cache_(s.cache_directory) {}
  StsSettings s_;
  std::shared_ptr<dns::Resolver> dns_;
  sts::PolicyCache cache_;
  // The fresh policy of each domain seen, in front of the disk cache: a delivery reads the
  // disk only for a domain this process has not looked at yet.
  std::optional<sts::CachedPolicy> remembered(std::string_view domain, std::time_t now, std::string* note) const;
  void remember(std::string_view domain, const sts::CachedPolicy& c, std::string* note) const;
  mutable std::mutex mu_;
  mutable std::map<std::string, sts::CachedPolicy, std::less<>> memory_;
  SSL_CTX* ctx_ = nullptr;
};

}  // namespace tern::delivery::smtp
