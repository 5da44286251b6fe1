// The pure parts of a local submission (sendmail, tern send), no I/O: reading the message
// from standard input (a lone "." line ends it unless -i/-oi), the header section as
// blocks, recipients for -t (To/Cc/Bcc, or the Resent- ones when present; Bcc removed),
// RFC 5322 address lists, the From: header added for -F when there is none, and the
// -V/-XV VERP delimiters.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::cli {

// Standard input as message content: CRLF becomes LF, the last line gets its LF, and
// with `dot_ends` a line holding only "." ends the message (and is not part of it).
std::string read_message_text(std::string_view input, bool dot_ends);

struct HeaderBlock {
  std::string name;  // as written
  std::string text;  // the whole header, continuation lines included, each ending in LF
};
struct SplitMessage {
  std::vector<HeaderBlock> headers;
  std::string body;  // from the blank line on (that line included), or "" without one
};
// Header lines up to the first line that is neither a header nor a continuation.
SplitMessage split_message(std::string_view content);
std::string join_message(const SplitMessage& m);

// The addr-specs in an RFC 5322 address list ("A <a@x>, b@y (c), g: d@z;"): display names,
// comments, groups and quoted strings understood; unparseable pieces are skipped.
std::vector<std::string> parse_address_list(std::string_view value);

// sendmail -t: the recipients the headers name, and the message with Bcc headers removed.
struct Extracted {
  std::vector<std::string> recipients;
  std::string content;
};
Extracted extract_recipients(std::string_view content);
// Removes Bcc: and Resent-Bcc: headers (local submissions never show them).
std::string remove_bcc(std::string_view content);

// Adds "From: Full Name <sender>" (or "From: sender") at the top of the headers when the
// message has no From: header; the name is quoted when RFC 5322 requires it.
std::string add_from_if_missing(std::string_view content, std::string_view sender,
                                std::string_view full_name);

// The VERP delimiters of -XV (`arg` "" = `defaults`) or -XVxy: two characters from
// `filter`, else an error.
Result<std::string> verp_delimiters(std::string_view arg, std::string_view defaults,
                                    std::string_view filter);

// `addr` with "@origin" appended when it has no domain (append_at_myorigin); "" stays "".
std::string qualify(std::string_view addr, std::string_view origin);

}  // namespace tern::cli
