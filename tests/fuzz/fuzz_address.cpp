// parse_mailbox_path, split_address and split_extension.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtp/address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::smtp;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto parts = split_address(in);
  if (parts.local.size() + parts.domain.size() > in.size()) __builtin_trap();
  auto ext = split_extension(parts.local, "+-");
  if (ext.base.size() + ext.ext.size() > parts.local.size()) __builtin_trap();
  if (ext.delim && ext.base.size() + 1 + ext.ext.size() != parts.local.size()) __builtin_trap();
  auto r = parse_mailbox_path(in);
  if (r.ok()) {
    if (r->size() > in.size()) __builtin_trap();
    for (char c : *r)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
    (void)split_extension(split_address(*r).local, "+");
  }
  return 0;
}
