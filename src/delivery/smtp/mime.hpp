// 8BITMIME downgrade (RFC 6152 / Postfix's MIME output conversion): when the content has
// 8-bit bytes and the server did not offer 8BITMIME, each 8-bit leaf part of the MIME tree
// is re-encoded as quoted-printable, multipart and message/rfc822 parts are walked into,
// and the message goes out as 7-bit. With disable_mime_output_conversion = yes the content
// goes out unchanged, as Postfix does.
#pragma once
#include <string>
#include <string_view>

#include "message/envelope.hpp"

namespace tern::delivery::smtp {

struct Converted {
  std::string content;    // LF line ends, like the stored content
  std::string body_type;  // for MAIL FROM BODY=: "8BITMIME", "7BIT" or ""
  bool downgraded = false;
};

// What to send to a server that does (`peer_8bit`) or does not offer 8BITMIME.
Converted prepare_body(const Message& m, bool peer_8bit, bool allow_conversion);

// The MIME downgrade of one entity (headers, empty line, body; LF line ends).
std::string downgrade_entity(std::string_view entity, int depth = 0);

// Quoted-printable (RFC 2045 6.7) of a text body with LF line ends; lines stay lines.
std::string quoted_printable(std::string_view body);

}  // namespace tern::delivery::smtp
