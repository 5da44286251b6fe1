// expand() over a small fixed parameter set (with a loop and conditionals in it).
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/expand.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::map<std::string, std::string, std::less<>> vars{
      {"a", "alpha"},         {"b", "$a-$a"},          {"empty", ""},
      {"c", "${a?{x}:{y}}"},  {"loop", "${loop2}"},    {"loop2", "x$loop"},
      {"d", "$$literal"},     {"e", "${empty:{$b}}"},  {"f", "$(a)"},
  };
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto lookup = [](std::string_view n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto r = tern::config::expand(in, lookup);
  if (r.ok() && in.find('$') == std::string_view::npos && *r != in) __builtin_trap();
  tern::config::referenced_names(in, [](std::string_view n) {
    if (n.empty()) __builtin_trap();
  });
  return 0;
}
