// maps::parse_source in aliases(5) mode (what postalias and newaliases build from):
// accepted entries have a non-empty folded name and value on one line, errors name the
// file, and the value normalization is stable (normalizing a stored value again
// changes nothing).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/strings.hpp"
#include "maps/source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::maps;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = parse_source(in, "/etc/aliases", {SourceFormat::aliases, true});
  if (!r.ok()) {
    if (r.error().message.rfind("/etc/aliases:", 0) != 0) __builtin_trap();
    return 0;
  }
  TableEntries merged;
  (void)merge_entries(merged, *r, Duplicates::warn_keep_first, "/etc/aliases");
  for (const auto& e : *r) {
    if (e.key.empty() || e.value.empty() || e.line < 1) __builtin_trap();
    if (e.key != tern::lower(e.key) || !merged.count(e.key)) __builtin_trap();
    if (e.key.find('\n') != std::string::npos || e.value.find('\n') != std::string::npos) __builtin_trap();
    auto again = split_alias_line("x: " + e.value);
    if (!again.ok() || again->second != e.value) __builtin_trap();
  }
  return 0;
}
