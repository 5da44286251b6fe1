// decode_row on arbitrary lines of the DMARC result store: an Error or a row, never a
// crash or an exception, and a decoded row encodes and decodes to the same row.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dmarc/report_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::dmarc;
  auto row = decode_row(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!row) return 0;
  std::string once = encode_row(*row);
  auto again = decode_row(once);
  if (!again || encode_row(*again) != once) __builtin_trap();
  return 0;
}
