// maps::parse_table_source and maps::parse_passwd on the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "maps/passwd.hpp"
#include "maps/tables.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto t = tern::maps::parse_table_source(in, "/etc/tern/table");
  if (t.ok()) {
    for (const auto& [k, v] : *t)
      if (k.empty()) __builtin_trap();
  } else if (t.error().message.rfind("/etc/tern/table:", 0) != 0) {
    __builtin_trap();
  }
  auto p = tern::maps::parse_passwd(in, "/etc/tern/passwd");
  if (p.ok()) {
    for (const auto& u : *p)
      if (u.name.empty() || u.uid < 0 || u.gid < 0 || u.home.empty()) __builtin_trap();
  } else if (p.error().message.rfind("/etc/tern/passwd:", 0) != 0) {
    __builtin_trap();
  }
  return 0;
}
