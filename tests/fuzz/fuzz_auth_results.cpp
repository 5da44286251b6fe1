// The authserv-id reader and the removal of our Authentication-Results fields on
// arbitrary input: removal only ever takes bytes away, removes nothing for an id no
// field can have, and an id we read survives being written into our own field and read
// back (so the field we add is never one we would remove as foreign, or keep as ours).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dmarc/auth_results.hpp"
#include "dmarc/authserv_id.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::dmarc;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto id = parse_authserv_id(in);
  auto removed = remove_our_auth_results(in, id ? *id : "mx.example");
  if (removed.content.size() > in.size()) __builtin_trap();
  if (removed.count == 0 && removed.content != in) __builtin_trap();
  if (remove_our_auth_results(in, "").content != in) __builtin_trap();
  if (!id) return 0;
  for (unsigned char c : *id)
    if (c < 0x20 || c == 0x7f) return 0;  // control characters are not written back
  AuthResults a;
  a.authserv_id = *id;
  std::string field = build_auth_results(a);
  std::string_view value = std::string_view(field).substr(field.find(':') + 1);
  auto back = parse_authserv_id(value);
  if (!back || *back != *id) __builtin_trap();
  return 0;
}
