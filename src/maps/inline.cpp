// inline:{ key=value, { key = value with, commas } } and the MemoryMap behind it.
#include "base/strings.hpp"
#include "maps/tables.hpp"

namespace tern::maps {

Result<Found> MemoryMap::find(std::string_view key) const {
  auto it = entries_.find(lower(key));
  if (it == entries_.end()) return Found();
  return Found(it->second);
}

Result<std::unique_ptr<Lookup>> open_inline(std::string_view spec, std::string_view body) {
  std::unordered_map<std::string, std::string> entries;
  for (const auto& item : split_list(body)) {
    auto eq = item.find('=');
    if (eq == std::string::npos)
      return Error{"table \"" + printable(spec, 80) + "\": missing '=' in \"" + printable(item, 80) +
                   "\""};
    std::string key = lower(trim(std::string_view(item).substr(0, eq)));
    if (key.empty()) return Error{"table \"" + printable(spec, 80) + "\": empty key"};
    entries[key] = std::string(trim(std::string_view(item).substr(eq + 1)));
  }
  return std::unique_ptr<Lookup>(new MemoryMap(std::string(spec), std::move(entries)));
}

}  // namespace tern::maps
