// Domain lists as Postfix's match lists spell them (mydestination, relay_domains,
// virtual_alias_domains, virtual_mailbox_domains, masquerade_domains): names, ".parent"
// for subdomains, "!name" to exclude, "/file/name" (more entries, whitespace or comma
// separated, '#' comments) and "type:table" (the domain is the lookup key; any value
// matches). Entries are tried in order; the first that decides wins.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "maps/lookup.hpp"

namespace tern::route {

class DomainList {
 public:
  // `match_subdomains`: the list is named in parent_domain_matches_subdomains, so
  // "example.com" also matches "sub.example.com".
  static Result<DomainList> make(const std::vector<std::string>& entries, std::string_view param,
                                 bool match_subdomains, const maps::OpenContext& ctx);
  // An error is a table that cannot answer now (the caller defers).
  Result<bool> matches(std::string_view domain) const;
  // Like matches(), naming the entry that matched ("" when none did).
  Result<std::string> matching_entry(std::string_view domain) const;
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::string name;                        // lower case; ".x" = subdomains of x
    std::shared_ptr<const maps::Lookup> table;  // set for type:table entries
    bool negated = false;
  };
  std::vector<Entry> entries_;
  bool subdomains_ = false;
};

// Whether `param` (e.g. "relay_domains") is listed in parent_domain_matches_subdomains.
bool parent_matches_subdomains(const std::vector<std::string>& setting, std::string_view param);

}  // namespace tern::route
