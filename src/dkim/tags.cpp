// The tag-list parser; see tags.hpp.
#include "dkim/tags.hpp"

#include <fmt/format.h>

namespace tern::dkim {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// tval: VCHAR except ";" (%x21-3A / %x3C-7E).
bool is_tval(char c) { return c >= 0x21 && c <= 0x7e && c != ';'; }

// Skips FWS at `pos`: WSP, and a line break only when whitespace follows it (a folded
// line), with CRLF or a bare LF (messages are stored with LF line ends). A line break not
// followed by whitespace is no FWS and is left for the caller to refuse.
size_t skip_fws(std::string_view s, size_t pos) {
  for (;;) {
    if (pos < s.size() && is_wsp(s[pos])) {
      ++pos;
      continue;
    }
    size_t nl = pos;
    if (nl < s.size() && s[nl] == '\r') ++nl;
    if (nl < s.size() && s[nl] == '\n' && nl + 1 < s.size() && is_wsp(s[nl + 1])) {
      pos = nl + 1;
      continue;
    }
    return pos;
  }
}

}  // namespace

std::optional<std::string_view> TagList::find(std::string_view name) const {
  for (const auto& [n, v] : tags_)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

Result<TagList> TagList::parse(std::string_view s) {
  TagList out;
  size_t pos = skip_fws(s, 0);
  while (pos < s.size()) {
    size_t start = pos;
    if (!is_alpha(s[pos])) return Error{fmt::format("tag list: bad tag name at offset {}", pos)};
    while (pos < s.size() && (is_alpha(s[pos]) || is_digit(s[pos]) || s[pos] == '_')) ++pos;
    std::string name(s.substr(start, pos - start));
    pos = skip_fws(s, pos);
    if (pos >= s.size() || s[pos] != '=') return Error{fmt::format("tag list: \"{}\" has no \"=\"", name)};
    pos = skip_fws(s, pos + 1);
    // The value: tval runs separated by FWS; trailing FWS is not part of it.
    size_t vstart = pos, vend = pos;
    while (pos < s.size() && s[pos] != ';') {
      if (is_tval(s[pos])) {
        vend = ++pos;
        continue;
      }
      size_t after = skip_fws(s, pos);
      if (after == pos) return Error{fmt::format("tag list: bad character in the value of \"{}\"", name)};
      pos = after;
    }
    if (out.find(name)) return Error{fmt::format("tag list: \"{}\" given twice", name)};
    out.tags_.emplace_back(std::move(name), std::string(s.substr(vstart, vend - vstart)));
    if (pos < s.size()) pos = skip_fws(s, pos + 1);  // past ";"
  }
  return out;
}

std::string strip_fws(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value)
    if (!is_wsp(c) && c != '\r' && c != '\n') out += c;
  return out;
}

}  // namespace tern::dkim
