// The sqlite: table's '%' templates: an input is split at its first newline into a
// template and a key. A template that passes the open-time check expands for any key
// without crashing, and every substitution goes through the quote function.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "maps/sql_template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::maps;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view tmpl = in.substr(0, nl);
  std::string_view key = nl == std::string_view::npos ? std::string_view("user@example.com") : in.substr(nl + 1);
  if (!check_sql_template(tmpl, "query")) return 0;
  auto quoted = [](std::string_view s) { return "[" + std::string(s) + "]"; };
  auto q = expand_sql_query(tmpl, key, quoted);
  // With no brackets of their own in template or key, every bracket in the query came from
  // quote(): they pair up, so no substitution bypassed the quoting.
  auto bracket_free = [](std::string_view s) { return s.find_first_of("[]") == std::string_view::npos; };
  if (q && bracket_free(tmpl) && bracket_free(key)) {
    long depth = 0;
    for (char c : *q) {
      if (c == '[' && ++depth > 1) __builtin_trap();
      if (c == ']' && --depth < 0) __builtin_trap();
    }
    if (depth != 0) __builtin_trap();
  }
  (void)expand_sql_result(tmpl, key, key);
  return 0;
}
