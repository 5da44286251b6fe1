// The regexp:/pcre: file parser (maps::parse_rules through both back ends) and result
// templates: a table that opens answers lookups without crashing; a table that does not
// names the file in its error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "maps/pattern_rules.hpp"
#include "maps/pattern_tables.hpp"

namespace {

void exercise(const tern::Result<std::unique_ptr<tern::maps::Lookup>>& t, std::string_view in) {
  if (!t.ok()) {
    if (t.error().message.rfind("/etc/tern/t:", 0) != 0) __builtin_trap();
    return;
  }
  const auto& table = t.value();
  if (table->fixed_keys()) __builtin_trap();
  for (std::string_view key : {std::string_view(), in, std::string_view("user@example.com"),
                               in.substr(0, in.find('\n'))})
    (void)table->find(key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  exercise(tern::maps::parse_pcre_table("pcre:/etc/tern/t", in, "/etc/tern/t"), in);
  // glibc's regcomp/regexec take exponential time and memory on nested bounds and
  // back-references ("((a{999}){999}){999}"): admin-written tables, not a parser bug here.
  if (in.find('{') == std::string_view::npos && in.find('\\') == std::string_view::npos)
    exercise(tern::maps::parse_regexp_table("regexp:/etc/tern/t", in, "/etc/tern/t"), in);
  auto pieces = tern::maps::parse_result_template(in);
  if (pieces.ok())
    for (const auto& p : *pieces)
      if (p.group == 0 && p.text.empty()) __builtin_trap();
  return 0;
}
