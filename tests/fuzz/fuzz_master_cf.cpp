// parse_master_cf; errors name file:line, entries have a service and a command, format() runs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/master_cf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::config;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto m = parse_master_cf(in, "master.cf");
  if (!m.ok()) {
    if (m.error().message.rfind("master.cf:", 0) != 0) __builtin_trap();
    return 0;
  }
  for (const auto& e : *m) {
    if (e.service.empty() || e.command.empty() || e.line < 1) __builtin_trap();
    (void)e.format();
  }
  return 0;
}
