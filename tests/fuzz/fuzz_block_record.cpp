// parse_block_record on arbitrary values of the spam trap blocklist: an Error or a record,
// never a crash, and a parsed record formats to a line that parses and formats back to
// itself.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "maps/block_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::maps;
  auto r = parse_block_record(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!r) return 0;
  std::string once = format_block_record(*r);
  auto again = parse_block_record(once);
  if (!again || format_block_record(*again) != once) __builtin_trap();
  return 0;
}
