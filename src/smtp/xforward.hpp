// XFORWARD (Postfix's XFORWARD_README): an after-queue content filter re-injecting mail
// passes the original client's attributes on, so the MTA behind the filter logs and
// records the real origin instead of the filter. Both sides of it, as pure functions:
//
//   parse_xforward()        the server: "NAME=mail.example ADDR=192.0.2.7" → typed items
//   ForwardedClient         the server: what one transaction's XFORWARD commands said
//   xforward_commands()     the client: the commands that send a message's client, split
//                           so that none is longer than the 512 bytes SMTP allows
//
// Values are xtext (RFC 3461); "[UNAVAILABLE]" and "[TEMPUNAVAIL]" (any case) say the
// attribute is not known. No I/O here.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "message/envelope.hpp"

namespace tern::smtp {

enum class XforwardAttr { name, addr, port, proto, helo, ident, source };

// The attributes this implementation knows, as the EHLO keyword lists them.
inline constexpr std::string_view kXforwardKeyword = "XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE";
// Postfix's limits: any value 255 characters after decoding, PROTO 64.
inline constexpr size_t kXforwardValueLimit = 255, kXforwardProtoLimit = 64;

std::string_view xforward_attr_name(XforwardAttr a);  // "NAME", "ADDR", ...
std::optional<XforwardAttr> xforward_attr(std::string_view name);  // case-insensitive

// One attribute=value; `value` is empty (nullopt) for [UNAVAILABLE] / [TEMPUNAVAIL].
// ADDR has its "IPv6:" prefix removed, SOURCE is "LOCAL" or "REMOTE", PORT is decimal.
struct XforwardItem {
  XforwardAttr attr;
  std::optional<std::string> value;
};

// The argument of one XFORWARD command (after the verb). The error's message is the text
// of the 501 reply ("Bad XFORWARD attribute name: FOO").
Result<std::vector<XforwardItem>> parse_xforward(std::string_view arg);

// The forwarded client of one mail transaction. The first accepted command sets every
// attribute to unavailable, then each command overwrites the attributes it names.
struct ForwardedClient {
  bool active = false;
  std::optional<std::string> name, addr, proto, helo, ident, source;
  int port = 0;  // 0: unavailable

  void apply(const std::vector<XforwardItem>& items);
  // The client the message is recorded with: the forwarded attributes only, never mixed
  // with the session's (XFORWARD_README note 4). Without ADDR the transaction is a
  // forwarded local submission, and the other attributes are ignored.
  ClientInfo client() const;
};

// The XFORWARD command lines (with CRLF) that carry `c` and the message's queue ID,
// limited to the attributes the server offered (`offered`: the keyword's words, any case).
std::vector<std::string> xforward_commands(const ClientInfo& c, std::string_view queue_id,
                                           const std::vector<std::string>& offered);

}  // namespace tern::smtp
