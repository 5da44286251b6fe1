// parse_command and parse_path over every line of the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtp/command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (!in.empty()) {
    size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto c = tern::smtp::parse_command(line);
    (void)tern::smtp::verb_name(c.verb);
    for (std::string_view kw : {"FROM", "TO"}) {
      auto p = tern::smtp::parse_path(c.arg, kw);
      if (p.ok()) {
        if (p->address.size() > c.arg.size()) __builtin_trap();
        for (const auto& [k, v] : p->params)
          if (k.empty()) __builtin_trap();
      }
    }
  }
  return 0;
}
