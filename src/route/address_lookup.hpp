// Postfix's lookup order for an address in a list of tables (canonical(5), virtual(5)):
//
//   user+ext@domain   every table (pattern tables see only this whole address)
//   user@domain       fixed-key tables (when there is an extension)
//   user+ext, user    fixed-key tables, only when the domain is one of ours (myorigin,
//                     mydestination, inet_interfaces, proxy_interfaces)
//   @domain           fixed-key tables, the catch-all
//
// A match on a key without the extension reports the extension, so the caller can carry
// it over into the result (propagate_unmatched_extensions).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "maps/lookup.hpp"

namespace tern::route {

struct AddressMatch {
  std::string value;               // the table's answer
  std::string key;                 // the key that matched
  std::string table;               // the table's spec, for traces
  std::string unmatched_extension; // "ext" when the key dropped the extension, else ""
  char delimiter = 0;              // the delimiter that preceded it
};

struct AddressLookupOptions {
  std::string_view delimiters;                          // recipient_delimiter
  std::function<bool(std::string_view)> local_domain;   // may the bare user be tried?
  bool at_domain = true;                                // try "@domain"
};

Result<std::optional<AddressMatch>> find_address(const maps::MapList& tables, std::string_view address,
                                                 const AddressLookupOptions& opt);

// "user@domain" + "ext" → "user+ext@domain" (the extension goes back after the local part).
std::string add_extension(std::string_view address, char delimiter, std::string_view ext);

}  // namespace tern::route
