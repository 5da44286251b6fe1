// SMTP replies: a code, an enhanced status code (RFC 3463) and text, formatted on the
// wire as "250 2.1.0 Ok\r\n" or, for several lines, "250-…\r\n250 …\r\n".
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace tern::smtp {

// Enhanced status codes used by the server, by their RFC 3463 meaning.
enum class Status {
  none,
  ok,                  // 2.0.0
  sender_ok,           // 2.1.0
  recipient_ok,        // 2.1.5
  bad_destination,     // 5.1.1 / 4.1.1 user unknown
  other_address,       // 5.1.0 / 4.1.0 other address status (an unknown sender)
  bad_sender_syntax,   // 5.1.7
  bad_rcpt_syntax,     // 5.1.3
  not_authorized,      // 5.7.1 / 4.7.1
  system_error,        // 4.3.0 / 5.3.0
  too_big,             // 5.3.4
  too_many_rcpts,      // 4.5.3 / 5.5.3
  bad_command,         // 5.5.2
  bad_sequence,        // 5.5.1
  bad_syntax,          // 5.5.4
  other_protocol,      // 5.5.0
  timeout,             // 4.4.2
  storage,             // 4.3.1 / 5.3.4 (system storage)
  security,            // 4.7.0 / 5.7.0
  utf8_required,       // 5.6.7 (RFC 6531: non-ASCII address without SMTPUTF8)
  config_error,        // 4.3.5 server configuration error
  bad_syntax_552,      // 5.5.2 syntax/semantics (non-FQDN, invalid names)
  spf_failed,          // 5.7.23 SPF validation failed (RFC 7372)
  spf_error,           // 5.7.24 / 4.7.24 SPF validation error (RFC 7372)
};

struct Reply {
  int code = 250;
  Status status = Status::ok;
  std::string text;

  // "250 2.0.0 text\r\n" (several lines when text holds '\n').
  std::string wire() const;
  std::string enhanced() const;  // "2.0.0", "" for Status::none
  bool positive() const { return code < 400; }
  bool permanent() const { return code >= 500; }
};

// The EHLO reply: first line the greeting, then one keyword per line.
Reply ehlo_reply(std::string_view hostname, const std::vector<std::string>& keywords);

}  // namespace tern::smtp
