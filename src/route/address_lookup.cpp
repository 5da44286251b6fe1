// The address lookup order; see address_lookup.hpp.
#include "route/address_lookup.hpp"

#include "base/strings.hpp"
#include "smtp/address.hpp"

namespace tern::route {

std::string add_extension(std::string_view address, char delimiter, std::string_view ext) {
  if (ext.empty() || delimiter == 0) return std::string(address);
  auto parts = smtp::split_address(address);
  std::string out(parts.local);
  out += delimiter;
  out += ext;
  if (address.find('@') != std::string_view::npos) out += "@" + std::string(parts.domain);
  return out;
}

Result<std::optional<AddressMatch>> find_address(const maps::MapList& tables, std::string_view address,
                                                 const AddressLookupOptions& opt) {
  auto parts = smtp::split_address(address);
  auto ext = smtp::split_extension(parts.local, opt.delimiters);
  bool has_ext = ext.delim != 0;
  std::string domain = lower(parts.domain);
  bool has_domain = address.find('@') != std::string_view::npos;
  bool ours = !has_domain || (opt.local_domain && opt.local_domain(domain));

  struct Key {
    std::string text;
    bool fixed_only;
    bool drops_ext;
  };
  std::vector<Key> keys;
  // The whole address keeps its case: fixed-key tables fold it themselves, and pattern
  // tables (case-insensitive unless their flags say otherwise) hand $1 back as written.
  keys.push_back({std::string(address), false, false});
  if (has_ext && has_domain) keys.push_back({lower(ext.base) + "@" + domain, true, true});
  if (ours && has_domain) {
    keys.push_back({lower(parts.local), true, false});
    if (has_ext) keys.push_back({lower(ext.base), true, true});
  } else if (!has_domain && has_ext) {
    keys.push_back({lower(ext.base), true, true});
  }
  if (opt.at_domain && has_domain) keys.push_back({"@" + domain, true, has_ext});

  for (const auto& k : keys) {
    auto hit = tables.lookup(k.text, k.fixed_only);
    if (!hit) return hit.error();
    if (!*hit) continue;
    AddressMatch m{std::move((*hit)->value), k.text, (*hit)->table->spec(), "", 0};
    if (k.drops_ext) {
      m.unmatched_extension = std::string(ext.ext);
      m.delimiter = ext.delim;
    }
    return std::optional<AddressMatch>(std::move(m));
  }
  return std::optional<AddressMatch>();
}

}  // namespace tern::route
