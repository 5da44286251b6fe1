// The pipe(8) command attributes of a master.cf entry, parsed once at (re)load:
//   flags=BDFORXhqu.>  user=name[:group]  size=N  eol=\r\n  null_sender=text
//   directory=path  argv=command arg…
// argv= comes last and takes every remaining argument; master.cf's "{ … }" grouping has
// already made an argument with spaces one element. Macros in argv ($name, ${name},
// $(name), $$ for a dollar) are checked here, so an unknown or unterminated one is a
// startup error; an argument naming a per-recipient macro (${recipient}, ${user}, …)
// later expands to one argument per recipient of the job.
//
// Pure: no I/O, no user database. The agent (pipe.cpp) resolves user= afterwards.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::delivery::pipe {

struct Flags {
  bool blank = false;        // B: blank line after the message
  bool delivered_to = false; // D: Delivered-To: (and its loop check)
  bool from_line = false;    // F: "From sender  time" first line
  bool original_to = false;  // O: X-Original-To:
  bool return_path = false;  // R: Return-Path:
  bool final = false;        // X: the command delivers finally ("delivered", not "relayed")
  bool fold_host = false;    // h: lower-case domains, ${domain} and ${nexthop}
  bool quote = false;        // q: RFC 822-quote address local parts in arguments
  bool fold_user = false;    // u: lower-case address local parts in arguments
  bool dot = false;          // .: prepend "." to lines starting with "."
  bool quote_from = false;   // >: prepend ">" to lines starting with "From "
};

enum class Macro {
  sender, nexthop, size, queue_id,
  client_address, client_hostname, client_helo, client_port, client_protocol,
  sasl_method, sasl_username, sasl_sender,
  // Per recipient: an argument naming one of these repeats for each recipient.
  recipient, original_recipient, user, extension, mailbox, domain,
};

bool per_recipient(Macro m);
std::string_view macro_name(Macro m);

struct Piece {
  std::string text;  // literal text, used when !is_macro
  Macro macro = Macro::sender;
  bool is_macro = false;
};

struct ArgTemplate {
  std::vector<Piece> pieces;
  bool per_recipient = false;  // names ${recipient}, ${user}, ${extension}, …
};

struct PipeSpec {
  Flags flags;
  std::string user;              // user= name as written
  std::string group;             // the group after ':' ("" = the user's own)
  std::string eol = "\n";
  std::string null_sender = "MAILER-DAEMON";
  long long size_limit = 0;      // 0: no limit
  std::string directory;         // working directory ("" = the queue directory)
  std::vector<ArgTemplate> argv; // argv[0] is the command
  std::string command;           // argv[0] as written, for messages
};

// Errors are one line without location; the caller prefixes "file:line: ".
Result<PipeSpec> parse_pipe_args(const std::vector<std::string>& args);

// One argv= element: literal text and macros.
Result<ArgTemplate> parse_arg_template(std::string_view arg);

// eol=: C escapes \a \b \f \n \r \t \v \\ and \ddd (up to three octal digits).
Result<std::string> unescape_eol(std::string_view text);

}  // namespace tern::delivery::pipe
