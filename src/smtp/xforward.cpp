// XFORWARD parsing, the forwarded client and the client's commands; see xforward.hpp.
#include "smtp/xforward.hpp"

#include <algorithm>

#include "base/net.hpp"
#include "base/strings.hpp"
#include "smtp/xtext.hpp"

namespace tern::smtp {

namespace {

struct AttrName {
  std::string_view name;
  XforwardAttr attr;
};
constexpr AttrName kAttrs[] = {
    {"NAME", XforwardAttr::name}, {"ADDR", XforwardAttr::addr},   {"PORT", XforwardAttr::port},
    {"PROTO", XforwardAttr::proto}, {"HELO", XforwardAttr::helo}, {"IDENT", XforwardAttr::ident},
    {"SOURCE", XforwardAttr::source},
};

bool unavailable(std::string_view v) { return iequals(v, "[UNAVAILABLE]") || iequals(v, "[TEMPUNAVAIL]"); }

// XFORWARD_README note 1: no control characters, non-ASCII, whitespace or characters
// special in message headers. As Postfix does, such characters in a name are replaced
// with '?' (the values end up in log lines and the queue file); addresses, ports and
// SOURCE must be exact.
bool special(char ch) {
  static constexpr std::string_view kSpecial = "<>()\";,\\";
  auto c = static_cast<unsigned char>(ch);
  return c <= 0x20 || c >= 0x7f || kSpecial.find(ch) != std::string_view::npos;
}

// The value of one attribute, checked and normalized; an error names the attribute.
Result<std::string> checked_value(XforwardAttr a, std::string v) {
  auto bad = [&] { return Error{"Bad XFORWARD " + std::string(xforward_attr_name(a)) + " syntax"}; };
  size_t limit = a == XforwardAttr::proto ? kXforwardProtoLimit : kXforwardValueLimit;
  if (v.empty() || v.size() > limit) return bad();
  switch (a) {
    case XforwardAttr::addr: {
      if (istarts_with(v, "IPv6:")) v.erase(0, 5);
      if (v.empty() || v.front() == '[' || !IpAddress::parse(v)) return bad();
      return IpAddress::parse(v)->to_string();
    }
    case XforwardAttr::port: {
      if (!std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) return bad();
      auto n = parse_int(v);
      if (!n || *n > 65535) return bad();
      return std::to_string(*n);
    }
    case XforwardAttr::source:
      if (iequals(v, "LOCAL")) return std::string("LOCAL");
      if (iequals(v, "REMOTE")) return std::string("REMOTE");
      return bad();
    default:
      std::replace_if(v.begin(), v.end(), special, '?');
      return v;
  }
}

}  // namespace

std::string_view xforward_attr_name(XforwardAttr a) {
  for (const auto& n : kAttrs)
    if (n.attr == a) return n.name;
  return "?";
}

std::optional<XforwardAttr> xforward_attr(std::string_view name) {
  for (const auto& n : kAttrs)
    if (iequals(n.name, name)) return n.attr;
  return std::nullopt;
}

Result<std::vector<XforwardItem>> parse_xforward(std::string_view arg) {
  static const Error kSyntax{"Syntax: XFORWARD attribute=value..."};
  std::vector<XforwardItem> out;
  for (std::string_view word : split_any(arg, " \t")) {
    size_t eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) return kSyntax;
    auto attr = xforward_attr(word.substr(0, eq));
    if (!attr) return Error{"Bad XFORWARD attribute name: " + printable(word.substr(0, eq), 40)};
    std::string_view raw = word.substr(eq + 1);
    if (unavailable(raw)) {
      out.push_back({*attr, std::nullopt});
      continue;
    }
    auto decoded = decode_xtext(raw);
    if (!decoded) return Error{"Bad XFORWARD " + std::string(xforward_attr_name(*attr)) + " syntax"};
    // An encoded "[UNAVAILABLE]" means the same as a plain one.
    if (unavailable(*decoded)) {
      out.push_back({*attr, std::nullopt});
      continue;
    }
    auto value = checked_value(*attr, std::move(*decoded));
    if (!value) return value.error();
    out.push_back({*attr, std::move(*value)});
  }
  if (out.empty()) return kSyntax;
  return out;
}

void ForwardedClient::apply(const std::vector<XforwardItem>& items) {
  if (!active) *this = ForwardedClient{.active = true};
  for (const auto& it : items) {
    switch (it.attr) {
      case XforwardAttr::name: name = it.value; break;
      case XforwardAttr::addr: addr = it.value; break;
      case XforwardAttr::port: port = it.value ? int(*parse_int(*it.value)) : 0; break;
      case XforwardAttr::proto: proto = it.value; break;
      case XforwardAttr::helo: helo = it.value; break;
      case XforwardAttr::ident: ident = it.value; break;
      case XforwardAttr::source: source = it.value; break;
    }
  }
}

ClientInfo ForwardedClient::client() const {
  ClientInfo c;
  if (!addr) {  // a forwarded local submission (Postfix 2.6 and later)
    c.name = "localhost";
    c.addr = "127.0.0.1";
    c.protocol = "LOCAL";
    c.local_source = true;
    return c;
  }
  c.name = name.value_or("unknown");
  c.addr = *addr;
  c.port = port;
  c.helo = helo.value_or("");
  c.protocol = proto.value_or("SMTP");
  c.local_source = source && *source == "LOCAL";
  return c;
}

std::vector<std::string> xforward_commands(const ClientInfo& c, std::string_view queue_id,
                                           const std::vector<std::string>& offered) {
  auto wanted = [&](XforwardAttr a) {
    return std::any_of(offered.begin(), offered.end(),
                       [&](const std::string& w) { return iequals(w, xforward_attr_name(a)); });
  };
  // A local submission has no client to speak of: the server treats it as local mail.
  bool local = c.protocol == "LOCAL";
  auto raw = [&](XforwardAttr a) -> std::string {
    switch (a) {
      case XforwardAttr::name: return local ? "" : c.name;
      case XforwardAttr::addr:
        if (local || c.addr.empty()) return "";
        return c.addr.find(':') != std::string::npos ? "IPv6:" + c.addr : c.addr;
      case XforwardAttr::port: return local || c.port <= 0 ? "" : std::to_string(c.port);
      case XforwardAttr::proto: return c.protocol;
      case XforwardAttr::helo: return local ? "" : c.helo;
      case XforwardAttr::ident: return std::string(queue_id);
      case XforwardAttr::source: return c.is_local() ? "LOCAL" : "REMOTE";
    }
    return "";
  };
  // Two commands, as Postfix sends them: the client's identity, then the rest; a value
  // over its limit goes as [UNAVAILABLE], and a command that would pass 512 bytes with
  // its CRLF is split.
  const std::vector<XforwardAttr> groups[] = {
      {XforwardAttr::name, XforwardAttr::addr, XforwardAttr::port, XforwardAttr::proto},
      {XforwardAttr::helo, XforwardAttr::ident, XforwardAttr::source}};
  std::vector<std::string> out;
  for (const auto& group : groups) {
    std::string line = "XFORWARD";
    for (XforwardAttr a : group) {
      if (!wanted(a)) continue;
      std::string v = raw(a);
      size_t limit = a == XforwardAttr::proto ? kXforwardProtoLimit : kXforwardValueLimit;
      std::string name = " " + std::string(xforward_attr_name(a)) + "=";
      std::string item = name + (v.empty() || v.size() > limit ? std::string("[UNAVAILABLE]") : encode_xtext(v));
      if (item.size() + 10 > 512) item = name + "[UNAVAILABLE]";  // xtext escapes can triple a value
      if (line.size() + item.size() + 2 > 512) {
        out.push_back(line + "\r\n");
        line = "XFORWARD";
      }
      line += item;
    }
    if (line.size() > 8) out.push_back(line + "\r\n");
  }
  return out;
}

}  // namespace tern::smtp
