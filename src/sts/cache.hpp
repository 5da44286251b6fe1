// The on-disk MTA-STS policy cache (RFC 8461 §5.1): one file per policy domain in
// mta_sts_cache_directory, holding the policy id, when it was fetched and the policy
// text. A policy is usable until fetched + max_age; entries are replaced whole
// (write to a temporary file, rename), so a reader never sees half an entry.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "sts/policy.hpp"

namespace tern::sts {

struct CachedPolicy {
  std::string id;
  std::time_t fetched = 0;
  Policy policy;

  bool fresh(std::time_t now) const { return now < fetched + std::time_t(policy.max_age.count()); }
};

// The entry's text and back; parse_entry errors name what is wrong.
std::string format_entry(const CachedPolicy& c);
Result<CachedPolicy> parse_entry(std::string_view text);

class PolicyCache {
 public:
  explicit PolicyCache(std::string directory) : dir_(std::move(directory)) {}

  // No entry is nullopt; an unreadable or damaged entry is an error (and is not used).
  Result<std::optional<CachedPolicy>> load(std::string_view domain) const;
  Status store(std::string_view domain, const CachedPolicy& c) const;
  const std::string& directory() const { return dir_; }

 private:
  Result<std::string> path_for(std::string_view domain) const;
  std::string dir_;
};

}  // namespace tern::sts
