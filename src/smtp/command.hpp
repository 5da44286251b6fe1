// SMTP command lines (RFC 5321 §4.1): the verb, and for MAIL/RCPT the path and its
// ESMTP parameters. Pure functions over one line without its CRLF; no I/O.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace tern::smtp {

enum class Verb { helo, ehlo, mail, rcpt, data, rset, noop, quit, vrfy, expn, help,
                  starttls, auth, bdat, etrn, xforward, unknown };

struct Command {
  Verb verb = Verb::unknown;
  std::string_view name;  // the verb as sent
  std::string_view arg;   // the rest, leading spaces removed
};

Command parse_command(std::string_view line);
std::string_view verb_name(Verb v);  // lower case, as Postfix counts them ("ehlo", "mail")

struct PathArg {
  std::string address;  // without angle brackets or source route, e.g. "alice@example.test"
  std::vector<std::pair<std::string, std::string>> params;  // ESMTP keyword=value, keyword upper-cased
};

// Parses "FROM:<a@b> SIZE=10" (keyword "FROM") or "TO:<a@b>". Tolerates what Postfix
// tolerates: a space after the colon and a missing pair of angle brackets.
Result<PathArg> parse_path(std::string_view arg, std::string_view keyword);

}  // namespace tern::smtp
