// The cidr: file parser (maps::parse_rules with networks for patterns): a table that
// opens answers lookups of v4, v6 and junk keys without crashing; a table that does not
// names the file in its error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "maps/pattern_tables.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto t = tern::maps::parse_cidr_table("cidr:/etc/tern/c", in, "/etc/tern/c");
  if (!t.ok()) {
    if (t.error().message.rfind("/etc/tern/c:", 0) != 0) __builtin_trap();
    return 0;
  }
  if ((*t)->fixed_keys()) __builtin_trap();
  for (std::string_view key : {"192.0.2.1", "10.1.2.3", "::1", "2001:db8::7", "[::ffff:192.0.2.1]",
                               "not-an-address", ""}) {
    auto r = (*t)->find(key);
    if (!r.ok()) __builtin_trap();  // cidr matching cannot fail
  }
  (void)(*t)->find(in.substr(0, in.find(' ')));
  return 0;
}
