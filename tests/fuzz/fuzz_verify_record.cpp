// Address verification cache records come from a file on disk that may be damaged or
// written by another version. Whatever the bytes, parsing ends in a record or an error; a
// record that parses formats back to the same text and the same record, and the rules
// accept it at any time without tripping.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/verify_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace tern::policy;
  auto r = parse_record(in);
  if (!r.ok()) return 0;
  std::string text = format_record(*r);
  auto again = parse_record(text);
  if (!again.ok() || !(*again == *r) || format_record(*again) != text) __builtin_trap();
  VerifyTimes t;
  for (std::time_t now : {std::time_t(0), r->updated, r->probed, r->updated + t.negative_refresh + 1}) {
    auto a = answer_query(*r, t, now);
    if (a.send_probe && !a.store) __builtin_trap();
    if (a.status == VerifyStatus::pending && a.text != kVerifyInProgress) __builtin_trap();
    (void)apply_result(*r, VerifyStatus::deferred, "x", t, now);
  }
  return 0;
}
