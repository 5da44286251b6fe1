// Record data in presentation form, as dig and zone files write it, for `tern dns query`,
// `tern check` and log lines: "192.0.2.1", "10 mx.example.org", "\"v=spf1 -all\"",
// "3 1 1 ab12...". Untrusted bytes in TXT strings and names are escaped (\" \\ \DDD), so
// the text is always printable.
#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "dns/answer.hpp"

namespace tern::dns {

// One record's RDATA of type `t`; malformed data is an Error (the decoders' message).
Result<std::string> present(Type t, std::string_view rdata);

}  // namespace tern::dns
