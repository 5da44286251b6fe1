// The queue file format: versioned text a person can read with `less`, then the content.
//
//   TERN-QUEUE 1
//   id 4Yg3Nf0x5WzK…            arrival 1763775245.123456
//   sender alice@example.org     ("-" is the null sender; values are %-escaped)
//   client unknown 127.0.0.1 40122 helo.example ESMTP
//   source local                 (only for mail from this host or, said XFORWARD, from the
//                                 up-stream host of a content filter)
//   filter smtp-amavis:[127.0.0.1]:10024   (content_filter or FILTER: where it goes instead)
//   rcpt bob@example.test - 0    (address, ORCPT or "-", NOTIFY bits[, the address before
//                                 cleanup rewrote it, when it did])
//   probe                        an address verification probe (absent otherwise)
//   content 1234                 then exactly 1234 bytes of message, then "\n"
//   sealed                       written with the rest in one write(2)
//   outcome 0 done 1763775246.5 - 2.0.0 appended later: recipient, state, time, reason, DSN status
//   warned 1763775246.5          appended when the delay notice went out
//   expire 1763775246.5          appended by postsuper -f
//
// A file without its "sealed" line was never acknowledged (we reply 250 only after the
// whole file, sealed, is fsynced). A partial last outcome line is a crash during append
// and is ignored. Anything else malformed is corruption.
#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "message/envelope.hpp"

namespace tern::queue {

std::string encode_queue_file(const Message& m);
std::string encode_outcome(size_t rcpt_index, RcptState state, double when, std::string_view reason,
                           std::string_view dsn = "");
// "warned TIME": the delay notice went out.
std::string encode_delay_warned(double when);
// "expire TIME": postsuper -f asked to return the message at its next attempt.
std::string encode_forced_expire(double when);

enum class ParseStatus { ok, unsealed, malformed };
struct ParsedFile {
  ParseStatus status = ParseStatus::malformed;
  std::string error;  // why, when not ok
  Message message;    // recipients carry their latest recorded outcome
};
ParsedFile parse_queue_file(std::string_view text);

// %-escaping for one whitespace-free field ("-" stands for the empty string).
std::string escape_field(std::string_view s);
Result<std::string> unescape_field(std::string_view s);

}  // namespace tern::queue
