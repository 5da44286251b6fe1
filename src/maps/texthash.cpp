// texthash:/path — a postmap(1) source file read into memory at open. Duplicate keys
// keep the first value and are logged as Postfix does.
#include "base/file.hpp"
#include "base/log.hpp"
#include "maps/source.hpp"
#include "maps/tables.hpp"

namespace tern::maps {

Result<std::unique_ptr<Lookup>> open_texthash(std::string_view spec, const std::string& path) {
  auto text = read_file(path);
  if (!text) return Error{"table \"" + std::string(spec) + "\": " + text.error().message};
  auto entries = parse_source(*text, path);
  if (!entries) return entries.error();
  TableEntries merged;
  for (const auto& w : merge_entries(merged, std::move(*entries), Duplicates::warn_keep_first, path))
    log::Logger("maps").warning("{}", w);
  return std::unique_ptr<Lookup>(new MemoryMap(
      std::string(spec), std::unordered_map<std::string, std::string>(merged.begin(), merged.end())));
}

}  // namespace tern::maps
