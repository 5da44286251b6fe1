// The message as it goes on the wire after DATA: LF line ends become CRLF, a line that
// starts with "." gets another one (RFC 5321 4.5.2), and ".\r\n" ends it. Also the tests
// the dialogue makes before sending: whether the content has 8-bit bytes (8BITMIME).
#pragma once
#include <string>
#include <string_view>

namespace tern::delivery::smtp {

// The DATA payload for stored content (LF line ends), including the final ".\r\n". A last
// line without its LF is ended.
std::string data_payload(std::string_view content);

// True when any byte has the high bit set.
bool has_8bit(std::string_view content);

}  // namespace tern::delivery::smtp
