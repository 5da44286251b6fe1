// Macro-string grammar and expansion; see macro.hpp.
#include "spf/macro.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::spf {

namespace {

constexpr std::string_view kLetters = "slodiphcrtv";
constexpr std::string_view kDelimiters = ".-+,/_=";

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// macro-literal = %x21-24 / %x26-7E; explanation text also has SP.
bool literal_ok(char c, MacroUse use) {
  auto u = static_cast<unsigned char>(c);
  if (u == ' ') return use == MacroUse::explanation;
  return u >= 0x21 && u <= 0x7e && u != '%';
}

// "%{" letter *DIGIT ["r"] *delimiter "}" starting at text[i] == '{'; advances i past '}'.
Result<MacroPart> parse_expand(std::string_view text, size_t& i, MacroUse use) {
  MacroPart p;
  size_t end = text.find('}', i);
  if (end == std::string_view::npos) return Error{"unterminated macro"};
  std::string_view body = text.substr(i + 1, end - i - 1);
  i = end + 1;
  if (body.empty()) return Error{"empty macro %{}"};
  char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(body[0])));
  if (kLetters.find(letter) == std::string_view::npos)
    return Error{fmt::format("unknown macro letter '{}'", printable(body.substr(0, 1)))};
  if (use == MacroUse::domain_spec && (letter == 'c' || letter == 'r' || letter == 't'))
    return Error{fmt::format("macro %{{{}}} is allowed only in explanation text", letter)};
  p.letter = letter;
  p.url_escape = std::isupper(static_cast<unsigned char>(body[0])) != 0;
  size_t j = 1;
  if (j < body.size() && std::isdigit(static_cast<unsigned char>(body[j]))) {
    long long n = 0;
    while (j < body.size() && std::isdigit(static_cast<unsigned char>(body[j]))) {
      n = std::min<long long>(n * 10 + (body[j] - '0'), 1000);
      ++j;
    }
    if (n == 0) return Error{"macro digit transformer must not be zero"};
    p.keep = int(n);
  }
  if (j < body.size() && (body[j] == 'r' || body[j] == 'R')) {
    p.reverse = true;
    ++j;
  }
  for (; j < body.size(); ++j) {
    if (kDelimiters.find(body[j]) == std::string_view::npos)
      return Error{fmt::format("bad character '{}' in macro", printable(body.substr(j, 1)))};
    p.delimiters += body[j];
  }
  return p;
}

// domain-end = ( "." toplabel [ "." ] ) / macro-expand
bool domain_end_ok(const MacroString& m, bool last_is_expand, std::string_view tail) {
  if (m.parts.empty()) return false;
  if (last_is_expand) return true;
  if (!tail.empty() && tail.back() == '.') tail.remove_suffix(1);
  size_t dot = tail.rfind('.');
  return dot != std::string_view::npos && is_toplabel(tail.substr(dot + 1));
}

bool unreserved(char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

std::string url_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (unreserved(c)) out += c;
    else out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
  }
  return out;
}

std::string dotted_nibbles(const IpAddress& ip) {
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i) out += '.';
    out += fmt::format("{:X}.{:X}", ip.bytes[i] >> 4, ip.bytes[i] & 0xf);
  }
  return out;
}

std::string letter_value(char letter, const MacroValues& v) {
  switch (letter) {
    case 's': return v.sender;
    case 'l': return v.local_part;
    case 'o': return v.sender_domain;
    case 'd': return v.domain;
    case 'i': return v.ip.v6 ? dotted_nibbles(v.ip) : v.ip.to_string();
    case 'p': return v.validated.empty() ? "unknown" : v.validated;
    case 'h': return v.helo;
    case 'c': return v.ip.to_string();
    case 'r': return v.receiver.empty() ? "unknown" : v.receiver;
    case 't': return std::to_string(v.timestamp);
    case 'v': return v.ip.v6 ? "ip6" : "in-addr";
  }
  return {};
}

// Split on the delimiters, reverse, keep the right-hand parts, join with dots (§7.3).
std::string transform(std::string_view value, const MacroPart& p) {
  std::string_view delims = p.delimiters.empty() ? std::string_view(".") : std::string_view(p.delimiters);
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delims.find(value[i]) != std::string_view::npos) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (p.reverse) std::reverse(parts.begin(), parts.end());
  size_t from = (p.keep > 0 && size_t(p.keep) < parts.size()) ? parts.size() - size_t(p.keep) : 0;
  std::string out;
  for (size_t i = from; i < parts.size(); ++i) {
    if (i > from) out += '.';
    out += parts[i];
  }
  return out;
}

}  // namespace

bool is_toplabel(std::string_view label) {
  if (label.empty()) return false;
  bool alpha = false, hyphen = false;
  for (char c : label) {
    if (c == '-') hyphen = true;
    else if (!is_alnum(c)) return false;
    else if (std::isalpha(static_cast<unsigned char>(c))) alpha = true;
  }
  if (!hyphen) return alpha;
  return label.front() != '-' && label.back() != '-';
}

bool MacroString::uses(char letter) const {
  return std::any_of(parts.begin(), parts.end(), [&](const MacroPart& p) { return p.letter == letter; });
}

Result<MacroString> parse_macro_string(std::string_view text, MacroUse use) {
  MacroString m;
  std::string tail;  // the literal text since the last macro-expand
  bool last_is_expand = false;
  auto add_literal = [&](std::string_view s) {
    if (m.parts.empty() || m.parts.back().letter != 0) m.parts.emplace_back();
    m.parts.back().literal += s;
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '%') {
      if (!literal_ok(c, use))
        return Error{fmt::format("invalid character 0x{:02x} in \"{}\"", static_cast<unsigned char>(c), printable(text))};
      add_literal(text.substr(i, 1));
      tail += c;
      last_is_expand = false;
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) return Error{fmt::format("'%' at the end of \"{}\"", printable(text))};
    char n = text[i + 1];
    if (n == '%' || n == '_' || n == '-') {
      add_literal(n == '%' ? "%" : n == '_' ? " " : "%20");
      i += 2;
      tail.clear();
      last_is_expand = true;
      continue;
    }
    if (n != '{') return Error{fmt::format("'%' not followed by '{{', '%', '_' or '-' in \"{}\"", printable(text))};
    ++i;
    auto p = parse_expand(text, i, use);
    if (!p) return Error{fmt::format("{} in \"{}\"", p.error().message, printable(text))};
    m.parts.push_back(std::move(*p));
    tail.clear();
    last_is_expand = true;
  }
  if (use == MacroUse::domain_spec && !domain_end_ok(m, last_is_expand, tail))
    return Error{fmt::format("\"{}\" is not a domain-spec (it must end in a macro or a top label)", printable(text))};
  return m;
}

std::string expand(const MacroString& m, const MacroValues& v) {
  std::string out;
  for (const auto& p : m.parts) {
    if (p.letter == 0) {
      out += p.literal;
      continue;
    }
    std::string value = transform(letter_value(p.letter, v), p);
    out += p.url_escape ? url_escape(value) : value;
  }
  return out;
}

std::string expand_domain(const MacroString& m, const MacroValues& v) {
  std::string name = expand(m, v);
  if (!name.empty() && name.back() == '.') name.pop_back();
  while (name.size() > 253) {
    size_t dot = name.find('.');
    if (dot == std::string::npos) break;
    name.erase(0, dot + 1);
  }
  return name;
}

}  // namespace tern::spf
