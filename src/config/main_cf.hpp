// main.cf: "name = value" lines, '#' comments, continuation lines that start with
// whitespace. Parsing keeps each value's file and line for error messages; editing
// (postconf -e / -X) rewrites the file in place, keeping comments, atomically.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::config {

struct RawValue {
  std::string value;
  std::string file;
  int line = 0;
};

// Ordered by name so `postconf -n` prints sorted.
using RawParams = std::map<std::string, RawValue, std::less<>>;

// Parses main.cf text. A syntax error names file, line and reason. A name given twice
// keeps the last value, as Postfix does.
Result<RawParams> parse_main_cf(std::string_view text, const std::string& file);

// Returns `text` with each (name, value) set: the existing line (and its continuation
// lines) replaced in place, new names appended. A value of nullopt removes the name.
struct Edit {
  std::string name;
  std::optional<std::string> value;
};
Result<std::string> edit_main_cf(std::string_view text, const std::vector<Edit>& edits,
                                 const std::string& file);

}  // namespace tern::config
