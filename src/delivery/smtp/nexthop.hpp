// Where an smtp/lmtp job goes: the nexthop text from the route ("[mx.example.net]:587",
// "[192.0.2.1]", "[ipv6:2001:db8::1]", "relay.example.net:2525", "example.org", and for
// LMTP "unix:private/dovecot-lmtp", "inet:host:port") parsed into a typed Nexthop. Pure:
// no I/O, no name lookups; a port given by name uses a fixed table of mail services.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "base/net.hpp"
#include "base/result.hpp"

namespace tern::delivery::smtp {

struct Nexthop {
  enum Kind { inet, unix_socket } kind = inet;
  std::string host;                // a name, or the address text of a literal
  bool bracketed = false;          // [host]: no MX lookup
  std::optional<IpAddress> literal;
  int port = 25;
  std::string path;                // unix_socket: the socket path as written

  // "[host]:port", "host", "unix:path": the key for caches and the SASL password lookup.
  std::string key() const;
};

// `default_port` is smtp_tcp_port or lmtp_tcp_port ("smtp", "24"); `lmtp` allows the
// unix:/inet: prefixes. Errors say what is wrong with the text.
Result<Nexthop> parse_nexthop(std::string_view text, std::string_view default_port, bool lmtp);

// A port number or one of the mail service names (smtp, submission, submissions/smtps,
// lmtp); 1-65535.
Result<int> parse_port(std::string_view text);

}  // namespace tern::delivery::smtp
