// A read-write table for caches the daemon keeps (address verification results; later
// greylist triplets): get, put, erase and a purge walk. Two kinds, chosen by the
// parameter's value as Postfix's address_verify_map is:
//   ""                            in memory, lost at restart
//   btree:/path, hash:/path       one LMDB file at /path.db (lmdb:/path -> /path.lmdb),
//                                 the index format of index.hpp, so `postmap -q KEY
//                                 btree:/path` reads it
// Keys are folded to lower case, as index lookups fold them. One process owns the file
// (it is opened with MDB_NOLOCK, like every index); a concurrent postmap -q reads a
// snapshot that a later write may recycle, which is acceptable for an admin's look.
// Not thread-safe: the owner calls it from one thread.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::maps {

class CacheTable {
 public:
  virtual ~CacheTable() = default;
  virtual Result<std::optional<std::string>> get(std::string_view key) const = 0;
  virtual Status put(std::string_view key, std::string_view value) = 0;
  virtual Status erase(std::string_view key) = 0;
  // Removes every entry for which `drop(key, value)` is true; how many went.
  virtual Result<size_t> purge(const std::function<bool(std::string_view, std::string_view)>& drop) = 0;
  // "memory" or the file's path, for log lines.
  virtual std::string where() const = 0;
};

std::unique_ptr<CacheTable> memory_cache_table();
// `spec` as above; `param` names the parameter in errors. Other table types are an error.
Result<std::unique_ptr<CacheTable>> open_cache_table(std::string_view spec, std::string_view param);

}  // namespace tern::maps
