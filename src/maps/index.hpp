// Indexed tables: hash:, btree: and lmdb: are all one LMDB file that postmap(1) or
// postalias(1) builds beside the source file:
//   hash:/etc/tern/virtual, btree:/etc/tern/virtual -> /etc/tern/virtual.db
//   lmdb:/etc/tern/virtual                         -> /etc/tern/virtual.lmdb
// (Postfix's names; the .db file is LMDB, not Berkeley DB, so Postfix cannot read it.)
// The file is a single LMDB environment opened with MDB_NOSUBDIR and MDB_NOLOCK: no
// "-lock" file, so a reader needs no write access anywhere. That is safe because an
// index is never changed in place: every build, -i and -d writes a new file beside it
// and renames it over the old one. A reader keeps its mapping of the old file until it
// notices the rename (see IndexOptions::recheck), then switches to the new one.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "maps/lookup.hpp"
#include "maps/source.hpp"

namespace tern::maps {

enum class IndexType { hash, btree, lmdb };

// "hash", "btree", "lmdb" (any case); nullopt for other types.
std::optional<IndexType> index_type(std::string_view type);
// The index file for a source file.
std::string index_path(IndexType type, std::string_view source);

// Longest key LMDB stores (its compile-time default, 511 bytes).
constexpr size_t kMaxIndexKey = 511;

// Writes `entries` as a new index at `path`: a temporary file beside it, fsync, chmod
// `mode`, rename, fsync of the directory. Empty or over-long keys are errors.
Status write_index(const std::string& path, const TableEntries& entries, int mode);
// Every entry of an index (postmap -s, and -i/-d which rewrite the whole file).
Result<TableEntries> read_index(const std::string& path);

struct IndexOptions {
  bool fold_keys = true;  // lookups fold the key to lower case (postmap -f turns it off)
  // How often a lookup may stat() the index to notice a rebuild (zero: every lookup).
  std::chrono::milliseconds recheck{1000};
  // Where warnings go ("database X is older than source file Y"); unset: the mail log
  // as service "maps". The tools print them as "postmap: warning: …".
  std::function<void(const std::string&)> warn;
};

// Opens the index of `source` read-only. A missing index is an error that says to run
// postmap; an index older than its source is opened with a logged warning.
Result<std::unique_ptr<Lookup>> open_index(std::string spec, IndexType type, const std::string& source,
                                           const IndexOptions& opts = {});

}  // namespace tern::maps
