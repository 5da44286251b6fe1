// What postmap(1), postalias(1) and newaliases share: building an index from a source
// file, querying any table type, dumping, deleting and incremental updates of indexes.
// Each operation prints Postfix-style "NAME: warning: …" / "NAME: fatal: …" lines on
// stderr and returns the exit status: 0 done or found, 1 not found, 2 a fatal error
// (Postfix exits 1 for both; the distinct status lets scripts tell them apart).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "maps/source.hpp"

namespace tern::cli {

constexpr int kMapNotFound = 1;
constexpr int kMapFatal = 2;

struct MapTool {
  const char* name = "postmap";  // for diagnostics
  maps::SourceFormat format = maps::SourceFormat::table;
  std::string default_type = "hash";  // default_database_type
  std::string config_dir;              // relative table names resolve here ("" = cwd)
  bool fold = true;                    // !-f
  bool inherit_mode = true;            // !-p
  maps::Duplicates dup = maps::Duplicates::warn_keep_first;  // -r / -w

  // postmap FILE: builds the index of the source file `spec` ("[type:]file").
  int build(const std::string& spec) const;
  // -i: adds "key value" lines from `input` to the index of `spec` (created if missing).
  int add(const std::string& spec, const std::string& input) const;
  // -q: the first value for `key` in `specs` to stdout.
  int query(const std::vector<std::string>& specs, const std::string& key) const;
  // -q -: every line of `input` is a key; prints "key<TAB>value" for those found.
  int query_lines(const std::vector<std::string>& specs, const std::string& input) const;
  // -d: removes `keys` from each index; 0 when at least one was there.
  int remove(const std::vector<std::string>& specs, const std::vector<std::string>& keys) const;
  // -s: every entry of each index, "key<TAB>value" (postalias: "key:<TAB>value").
  int dump(const std::vector<std::string>& specs) const;
};

}  // namespace tern::cli
