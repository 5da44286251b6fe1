// Header and body canonicalization, and splitting a message into fields: no crash, the
// streaming body canonicalizer agrees with the one-shot form however the input is cut,
// and canonical output has only CRLF line ends.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dkim/canon.hpp"
#include "dkim/header_fields.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::dkim;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  SplitMessage m = split_message(in);
  for (const auto& h : m.headers) {
    std::string relaxed = canon_header(Canon::relaxed, h.field);
    if (relaxed.find('\n') != std::string::npos || relaxed.find('\r') != std::string::npos) __builtin_trap();
    (void)canon_header(Canon::simple, h.field);
  }
  (void)select_headers(m, {"from", "subject", "from", "to"});
  size_t cut = size ? data[0] % 7 + 1 : 1;
  for (Canon c : {Canon::simple, Canon::relaxed}) {
    std::string whole = canon_body(c, in), streamed;
    BodyCanonicalizer b(c, [&streamed](std::string_view s) { streamed.append(s); });
    for (size_t i = 0; i < in.size(); i += cut) b.update(in.substr(i, cut));
    b.finish();
    if (whole != streamed) __builtin_trap();
    if (!whole.empty() && (whole.size() < 2 || whole.substr(whole.size() - 2) != "\r\n")) __builtin_trap();
  }
  return 0;
}
