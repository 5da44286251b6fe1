// parse_record on arbitrary TXT strings: never crashes, accepts only what starts with
// v=DMARC1, and what it accepts is consistent (usable report URIs only).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dmarc/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::dmarc;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = parse_record(in);
  if (!r.ok()) return 0;
  if (!is_dmarc_record(in)) __builtin_trap();
  for (const auto* list : {&r->rua, &r->ruf})
    for (const auto& uri : *list)
      if (uri.size() < 10 || uri.find('@') == std::string::npos) __builtin_trap();
  if (r->pct && (*r->pct < 0 || *r->pct > 100)) __builtin_trap();
  return 0;
}
