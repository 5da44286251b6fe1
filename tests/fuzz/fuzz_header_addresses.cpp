// find_addresses / rewrite_address_list on arbitrary header values: spans stay in bounds,
// ordered and disjoint, and an identity rewrite gives back the input byte for byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "route/header_addresses.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::route;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t last = 0;
  for (const auto& s : find_addresses(in)) {
    if (s.begin < last || s.end <= s.begin || s.end > in.size()) __builtin_trap();
    last = s.end;
  }
  if (rewrite_address_list(in, [](std::string_view a) { return std::string(a); }) != in) __builtin_trap();
  std::string marked = rewrite_address_list(in, [](std::string_view a) { return "<" + std::string(a) + ">"; });
  if (marked.size() < in.size()) __builtin_trap();
  return 0;
}
