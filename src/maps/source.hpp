// The two text formats tables are built from, parsed without I/O:
//   table   postmap(1): "key whitespace value"; a key may be double-quoted to hold
//           whitespace ("a b"@example.com) and keeps its quotes, as Postfix stores it.
//   aliases aliases(5): "name: value, value"; the name is a local part, unquoted when
//           stored; the value list is normalized to "a, b, c" as postalias(1) does.
// Both: '#' comment lines and blank lines are skipped, a line starting with whitespace
// continues the logical line before it (joined with one space), keys are folded to
// lower case unless told otherwise (postmap -f). A malformed line is an error naming
// "file:line" (Postfix warns and skips it; we refuse to build, so the old index stays).
// Duplicate keys are resolved by merge_entries(): Postfix warns "duplicate entry" and
// keeps the first.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::maps {

enum class SourceFormat { table, aliases };

struct SourceEntry {
  std::string key;
  std::string value;
  int line = 0;  // first line of the logical line
};

struct SourceOptions {
  SourceFormat format = SourceFormat::table;
  bool fold_keys = true;
};

// Every entry in file order, duplicates included.
Result<std::vector<SourceEntry>> parse_source(std::string_view text, const std::string& file,
                                              const SourceOptions& opts = {});

// One aliases(5) logical line (comments and continuations already handled) split into
// its unfolded name and normalized value; errors say what is wrong without file:line.
Result<std::pair<std::string, std::string>> split_alias_line(std::string_view line);

// What to do when a key is already present (postmap -r / -w).
enum class Duplicates {
  warn_keep_first,  // default: "duplicate entry" warning, the first value stays
  replace,          // -r: the later value wins, silently
  keep_first,       // -w: the first value stays, silently
};

// Sorted as LMDB stores keys (bytewise), which is also the -s dump order.
using TableEntries = std::map<std::string, std::string>;

// Adds `entries` to `into`; returns the warnings ("file:line: duplicate entry: \"key\"").
std::vector<std::string> merge_entries(TableEntries& into, std::vector<SourceEntry> entries,
                                       Duplicates dup, const std::string& file);

}  // namespace tern::maps
