// TLS-RPT input: the _smtp._tls TXT record from DNS (untrusted) and the store's day-file
// lines (ours, but possibly torn). Whatever they hold, parsing ends in a value or an error;
// a record that parses has at least one mailto:/https: URI, and an event line that decodes
// encodes to a line that decodes to the same event.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.hpp"
#include "tlsrpt/event.hpp"
#include "tlsrpt/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace tern::tlsrpt;
  auto r = parse_record(in);
  if (r.ok()) {
    if (r->rua.empty()) __builtin_trap();
    for (const auto& u : r->rua) {
      std::string scheme = tern::lower(u.substr(0, 8));
      if (!scheme.starts_with("mailto:") && scheme != "https://") __builtin_trap();
    }
  }
  (void)select_record({std::string(in), "v=TLSRPTv1; rua=mailto:a@example.org"});

  auto e = decode(in);
  if (e.ok()) {
    std::string line = encode(*e);
    if (line.find('\n') != std::string::npos) __builtin_trap();
    auto again = decode(line);
    if (!again.ok() || again->domain != e->domain || again->policy != e->policy || again->failure != e->failure ||
        again->day != e->day)
      __builtin_trap();
  }
  return 0;
}
