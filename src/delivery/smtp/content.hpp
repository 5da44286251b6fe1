// The message as it goes on the wire after DATA: LF line ends become CRLF, a line that
// starts with "." gets another one (RFC 5321 4.5.2), and ".\r\n" ends it. Also the tests
// the dialogue makes before sending: whether the content has 8-bit bytes (8BITMIME).
// Long lines are folded at smtp_line_length_limit.
#pragma once
#include <string>
#include <string_view>

namespace tern::delivery::smtp {

// The DATA payload for stored content (LF line ends), including the final ".\r\n". A last
// line without its LF is ended. Lines longer than `line_limit` (smtp_line_length_limit;
// 0 = none) are broken by inserting CRLF SPACE, as Postfix does to keep MIME readable.
std::string data_payload(std::string_view content, size_t line_limit = 0);

// True when any byte has the high bit set.
bool has_8bit(std::string_view content);

}  // namespace tern::delivery::smtp
