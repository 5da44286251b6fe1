// The TLS-RPT policy record (RFC 8460 §3) a domain publishes at _smtp._tls.DOMAIN:
//   v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/tlsrpt
// Parsed strictly by the record's ABNF: the version first, fields separated by ";" with
// optional whitespace, exactly one rua= with one or more mailto: or https: URIs separated
// by ",", extensions (name=value) ignored. Pure: no I/O.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::tlsrpt {

struct Record {
  std::vector<std::string> rua;  // "mailto:…" or "https://…", in the record's order
};

// One TXT string (the record's character-strings already joined). Errors name the problem.
Result<Record> parse_record(std::string_view txt);

// §3 over all TXT strings at _smtp._tls.DOMAIN: those not starting with "v=TLSRPTv1;" are
// discarded; anything but exactly one left means no reporting (the error says why).
Result<Record> select_record(const std::vector<std::string>& txts);

}  // namespace tern::tlsrpt
