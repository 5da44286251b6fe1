// The table types; each constructor validates its whole source and names the line of the
// first problem. Internal to maps/: callers use open_map().
#pragma once
#include <unordered_map>

#include "maps/lookup.hpp"

namespace tern::maps {

// Key/value pairs held in memory, case-folded keys (inline: and texthash:).
class MemoryMap : public Lookup {
 public:
  MemoryMap(std::string spec, std::unordered_map<std::string, std::string> entries)
      : Lookup(std::move(spec)), entries_(std::move(entries)) {}
  Result<Found> find(std::string_view key) const override;

 private:
  std::unordered_map<std::string, std::string> entries_;
};

Result<std::unique_ptr<Lookup>> open_inline(std::string_view spec, std::string_view body);
Result<std::unique_ptr<Lookup>> open_texthash(std::string_view spec, const std::string& path);
Result<std::unique_ptr<Lookup>> open_passwd(std::string_view spec, const std::string& file,
                                            bool snapshot);

// Parses postmap(1) source text (see source.hpp) into entries, the first of duplicate
// keys winning. Exposed for tests and fuzzing.
Result<std::unordered_map<std::string, std::string>> parse_table_source(std::string_view text,
                                                                        const std::string& file);

}  // namespace tern::maps
