// Inbound Authentication-Results fields that claim to be ours (RFC 8601 §5): a border
// MTA removes every field whose authserv-id is its own before adding its own, so no
// sender can forge our verdicts. The authserv-id is read robustly: CFWS (nested
// comments, folding) before it, a token or a quoted-string, an optional version after it.
// A field whose id cannot be read is not ours and stays.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace tern::dmarc {

// The authserv-id of an Authentication-Results field value (after the colon); nullopt
// when the value does not begin with one.
std::optional<std::string> parse_authserv_id(std::string_view value);

struct Removed {
  std::string content;  // the message with those fields removed
  size_t count = 0;
};

// Removes from the header section of `content` (LF line endings) every
// Authentication-Results field whose authserv-id equals `ours` (case-insensitive).
Removed remove_our_auth_results(std::string_view content, std::string_view ours);

}  // namespace tern::dmarc
