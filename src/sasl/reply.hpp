// The replies an AUTH exchange ends with (and its 334 challenges), in Postfix's words
// (smtpd_sasl_glue.c / smtpd.c), built from an enum so handlers never type reply text.
//   235 2.7.0 Authentication successful
//   535 5.7.8 Error: authentication failed: <reason>
//   454 4.7.0 Temporary authentication failure: <reason>
//   504 5.5.4 Unrecognized authentication type
//   503 5.5.1 Error: already authenticated   (and: authentication not enabled,
//                                             MAIL transaction in progress)
//   501 5.5.4 Syntax: AUTH mechanism
//   501 5.7.0 Authentication aborted          (the client sent "*")
//   501 5.5.2 Invalid base64 data in …        (RFC 4954 section 4)
//   500 5.5.6 SASL response limit exceeded
//   334 <base64 challenge>
// smtp::Reply has no 2.7.0 / 5.7.8 / 5.5.6 status yet, so this module carries its own
// small reply type; `wire()` gives the exact bytes to send.
#pragma once
#include <string>
#include <string_view>

namespace tern::sasl {

enum class ReplyKind {
  challenge,               // 334 <detail = base64 text, may be empty>
  success,                 // 235 2.7.0
  failed,                  // 535 5.7.8, detail = reason
  tempfail,                // 454 4.7.0, detail = reason
  unrecognized_mechanism,  // 504 5.5.4
  encryption_required,     // 504 5.5.4 Encryption required for requested authentication mechanism
  already_authenticated,   // 503 5.5.1
  not_enabled,             // 503 5.5.1
  in_transaction,          // 503 5.5.1
  syntax,                  // 501 5.5.4
  aborted,                 // 501 5.7.0
  bad_base64,              // 501 5.5.2, detail = which response
  response_too_long,       // 500 5.5.6
};

struct Reply {
  ReplyKind kind = ReplyKind::failed;
  int code = 535;
  std::string enhanced;  // "5.7.8"; empty for 334
  std::string text;      // after the code and enhanced status

  // "535 5.7.8 Error: authentication failed: …\r\n"
  std::string wire() const;
  bool positive() const { return code < 400; }
  bool temporary() const { return code >= 400 && code < 500; }
};

// `detail` is untrusted text (a reason from a back end): it is truncated to 100 bytes
// and made printable before it goes into the reply. An empty reason reads
// "(reason unavailable)", as in Postfix.
Reply make_reply(ReplyKind kind, std::string_view detail = {});

// Postfix's printable(): control and non-ASCII bytes become '?', at most `max` bytes.
std::string printable(std::string_view text, size_t max = 100);

}  // namespace tern::sasl
