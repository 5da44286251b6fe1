// DNS list names, reply filters and reply templates; see dnsbl.hpp.
#include "policy/dnsbl.hpp"

#include <algorithm>
#include <cctype>

#include "base/strings.hpp"
#include "config/expand.hpp"
#include "policy/reputation_names.hpp"
#include "smtp/address.hpp"

namespace tern::policy {

namespace {

constexpr size_t kMaxName = 253;

bool digits_only(std::string_view s) {
  if (s.empty() || s.size() > 3) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

Result<uint8_t> octet_number(std::string_view s, std::string_view filter) {
  if (!digits_only(s)) return Error{"bad reply filter \"" + printable(filter, 80) + "\": \"" + printable(s, 20) + "\" is not a number 0-255"};
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  if (n > 255) return Error{"bad reply filter \"" + printable(filter, 80) + "\": " + std::string(s) + " is over 255"};
  return uint8_t(n);
}

// "[2..11;20]" or "7": the ranges one octet may take.
Result<std::vector<std::pair<uint8_t, uint8_t>>> parse_octet(std::string_view s, std::string_view filter) {
  std::vector<std::pair<uint8_t, uint8_t>> out;
  if (s.empty() || s.front() != '[') {
    auto n = octet_number(s, filter);
    if (!n) return n.error();
    out.emplace_back(*n, *n);
    return out;
  }
  if (s.size() < 3 || s.back() != ']') return Error{"bad reply filter \"" + printable(filter, 80) + "\": unclosed or empty \"[\""};
  std::string_view inner = s.substr(1, s.size() - 2);
  while (true) {
    size_t semi = inner.find(';');
    std::string_view item = inner.substr(0, semi);
    size_t dots = item.find("..");
    auto lo = octet_number(item.substr(0, dots), filter);
    if (!lo) return lo.error();
    uint8_t hi = *lo;
    if (dots != std::string_view::npos) {
      auto h = octet_number(item.substr(dots + 2), filter);
      if (!h) return h.error();
      if (*h < *lo) return Error{"bad reply filter \"" + printable(filter, 80) + "\": range " + std::string(item) + " runs backwards"};
      hi = *h;
    }
    out.emplace_back(*lo, hi);
    if (semi == std::string_view::npos) break;
    inner.remove_prefix(semi + 1);
  }
  return out;
}

bool valid_list_domain(std::string_view d) {
  if (d.empty() || d.size() > kMaxName) return false;
  size_t label = 0;
  for (size_t i = 0; i <= d.size(); ++i) {
    if (i == d.size() || d[i] == '.') {
      if (label == 0 || label > 63) return false;
      label = 0;
      continue;
    }
    char c = d[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    ++label;
  }
  return true;
}

// A value for the template: printable, and '$' doubled so the expander leaves it alone.
std::string literal(std::string_view v) {
  std::string out;
  for (char c : printable(v, 512)) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

// "5.7.1": class digit, then two numbers of 1-3 digits (RFC 3463).
bool enhanced_status(std::string_view s, char cls) {
  if (s.size() < 5 || s[0] != cls || s[1] != '.') return false;
  auto parts = split_any(s.substr(2), ".");
  if (parts.size() != 2 || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  return digits_only(parts[0]) && digits_only(parts[1]);
}

}  // namespace

bool ReplyFilter::matches(const IpAddress& a) const {
  if (a.v6) return false;
  for (size_t i = 0; i < 4; ++i) {
    bool ok = false;
    for (const auto& [lo, hi] : octets[i]) ok |= a.bytes[i] >= lo && a.bytes[i] <= hi;
    if (!ok) return false;
  }
  return true;
}

Result<ReplyFilter> parse_reply_filter(std::string_view text) {
  ReplyFilter f;
  size_t part = 0, start = 0;
  bool in_bracket = false;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : '.';
    if (c == '[') {
      if (in_bracket) return Error{"bad reply filter \"" + printable(text, 80) + "\": nested \"[\""};
      in_bracket = true;
    } else if (c == ']') {
      in_bracket = false;
    } else if (c == '.' && !in_bracket) {
      if (part == 4) return Error{"bad reply filter \"" + printable(text, 80) + "\": more than four octets"};
      auto o = parse_octet(text.substr(start, i - start), text);
      if (!o) return o.error();
      f.octets[part++] = std::move(*o);
      start = i + 1;
    }
  }
  if (in_bracket) return Error{"bad reply filter \"" + printable(text, 80) + "\": unclosed \"[\""};
  if (part != 4) return Error{"bad reply filter \"" + printable(text, 80) + "\": expected four octets (d.d.d.d)"};
  return f;
}

Result<ListDomain> parse_list_domain(std::string_view text) {
  ListDomain out;
  size_t eq = text.find('=');
  std::string_view domain = text.substr(0, eq);
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (!valid_list_domain(domain)) return Error{"bad DNS list domain \"" + printable(text, 80) + "\""};
  out.domain = lower(domain);
  if (eq != std::string_view::npos) {
    auto f = parse_reply_filter(text.substr(eq + 1));
    if (!f) return f.error();
    out.filter = std::move(*f);
  }
  return out;
}

std::string address_query(const IpAddress& a, std::string_view list) {
  return reputation::reversed(a.unmapped()) + "." + std::string(list);
}

std::optional<std::string> domain_query(std::string_view name, std::string_view list) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.front() == '[' || name.size() + 1 + list.size() > kMaxName) return std::nullopt;
  if (!valid_list_domain(name)) return std::nullopt;
  return lower(name) + "." + std::string(list);
}

bool template_needs_reason(std::string_view tmpl) {
  bool needs = false;
  config::referenced_names(tmpl, [&](std::string_view n) { needs |= n == "rbl_reason" || n == "rbl_txt"; });
  return needs;
}

Result<smtp::Reply> rbl_reply(std::string_view tmpl, const RblFacts& f) {
  auto lookup = [&](std::string_view n) -> std::optional<std::string> {
    auto addr_part = [](const std::string& a, bool domain) -> std::string {
      auto parts = smtp::split_address(a);
      return domain ? std::string(parts.domain) : std::string(parts.local);
    };
    if (n == "rbl_code") return std::to_string(f.code);
    if (n == "rbl_class") return literal(f.rbl_class);
    if (n == "rbl_what") return literal(f.what);
    if (n == "rbl_domain") return literal(f.domain);
    if (n == "rbl_reason" || n == "rbl_txt") return literal(f.reason);
    if (n == "client") return literal((f.client_name.empty() ? "unknown" : f.client_name) + "[" + f.client_address + "]");
    if (n == "client_address") return literal(f.client_address);
    if (n == "client_name") return literal(f.client_name);
    if (n == "reverse_client_name") return literal(f.reverse_client_name);
    if (n == "helo_name") return literal(f.helo_name);
    if (n == "sender") return literal(f.sender);
    if (n == "sender_name") return literal(addr_part(f.sender, false));
    if (n == "sender_domain") return literal(addr_part(f.sender, true));
    if (n == "recipient") return literal(f.recipient);
    if (n == "recipient_name") return literal(addr_part(f.recipient, false));
    if (n == "recipient_domain") return literal(addr_part(f.recipient, true));
    return std::nullopt;
  };
  auto text = config::expand(tmpl, lookup);
  if (!text) return Error{"bad rbl reply template \"" + printable(tmpl, 120) + "\": " + text.error().message};
  // A reply is one line of printable text, whatever the template or a table held.
  std::string line = printable(*text, 900);
  std::string_view t = trim(line);
  if (t.size() < 3 || !digits_only(t.substr(0, 3)) || (t.size() > 3 && t[3] != ' ') || (t[0] != '4' && t[0] != '5'))
    return Error{"bad rbl reply template \"" + printable(tmpl, 120) + "\": it must start with a 4xx or 5xx reply code"};
  smtp::Reply r{(t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0'), smtp::Status::not_authorized, ""};
  std::string_view rest = t.size() > 4 ? t.substr(4) : std::string_view{};
  // An enhanced status code of the reply's class: "5.7.1 text".
  if (enhanced_status(rest.substr(0, rest.find(' ')), t[0])) r.status = smtp::Status::none;
  r.text = std::string(rest);
  return r;
}

}  // namespace tern::policy
