// Nexthop parsing; see nexthop.hpp.
#include "delivery/smtp/nexthop.hpp"

#include <cctype>

#include "base/strings.hpp"

namespace tern::delivery::smtp {

namespace {

// Host names as RFC 1123 allows them (letters, digits, '-', '.', and '_' seen in the wild).
bool valid_hostname(std::string_view h) {
  if (h.empty() || h.size() > 255 || h.front() == '.' || h.front() == '-') return false;
  for (char c : h)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) return false;
  return h.find("..") == std::string_view::npos;
}

Status set_host(Nexthop& n, std::string_view host, bool bracketed) {
  n.bracketed = bracketed;
  if (bracketed && istarts_with(host, "ipv6:")) {
    host.remove_prefix(5);
    auto ip = IpAddress::parse(host);
    if (!ip || !ip->v6) return Error{"bad IPv6 address literal \"" + std::string(host) + "\""};
    n.literal = *ip;
  } else if (auto ip = IpAddress::parse(host); ip && (bracketed || !ip->v6)) {
    n.literal = *ip;
  } else if (!valid_hostname(host)) {
    return Error{"bad host name \"" + printable(host, 64) + "\""};
  }
  n.host = n.literal ? n.literal->to_string() : lower(host);
  return ok_status();
}

Result<Nexthop> parse_inet(std::string_view text, std::string_view default_port) {
  Nexthop n;
  std::string_view port_text = default_port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return Error{"missing \"]\""};
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || rest.size() == 1) return Error{"expected \":port\" after \"]\""};
      port_text = rest.substr(1);
    }
    if (close == 1) return Error{"empty host in brackets"};
    if (auto s = set_host(n, text.substr(1, close - 1), true); !s) return s.error();
  } else {
    auto colon = text.rfind(':');
    std::string_view host = text;
    if (colon != std::string_view::npos) {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return Error{"empty port"};
      if (host.find(':') != std::string_view::npos) return Error{"IPv6 addresses need brackets: [ipv6:…]"};
    }
    if (auto s = set_host(n, host, false); !s) return s.error();
  }
  auto port = parse_port(port_text);
  if (!port) return port.error();
  n.port = *port;
  return n;
}

}  // namespace

Result<int> parse_port(std::string_view text) {
  static const std::pair<std::string_view, int> names[] = {
      {"smtp", 25}, {"submission", 587}, {"submissions", 465}, {"smtps", 465}, {"lmtp", 24}};
  for (auto [name, port] : names)
    if (iequals(text, name)) return port;
  auto v = parse_int(text);
  if (!v || *v < 1 || *v > 65535) return Error{"bad port \"" + printable(text, 32) + "\""};
  return int(*v);
}

Result<Nexthop> parse_nexthop(std::string_view text, std::string_view default_port, bool lmtp) {
  text = trim(text);
  if (text.empty()) return Error{"empty nexthop"};
  Result<Nexthop> n = Error{};
  if (lmtp && istarts_with(text, "unix:")) {
    Nexthop u;
    u.kind = Nexthop::unix_socket;
    u.path = std::string(trim(text.substr(5)));
    if (u.path.empty()) return Error{"empty unix socket path in \"" + printable(text, 64) + "\""};
    return u;
  }
  if (lmtp && istarts_with(text, "inet:")) text.remove_prefix(5);
  n = parse_inet(text, default_port);
  if (!n) return Error{"malformed nexthop \"" + printable(text, 64) + "\": " + n.error().message};
  return n;
}

std::string Nexthop::key() const {
  if (kind == unix_socket) return "unix:" + path;
  std::string h = literal && literal->v6 ? "ipv6:" + host : host;
  return bracketed ? "[" + h + "]:" + std::to_string(port) : h + ":" + std::to_string(port);
}

}  // namespace tern::delivery::smtp
