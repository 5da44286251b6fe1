// String helpers; see strings.hpp.
#include "base/strings.hpp"

#include <charconv>

namespace tern {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view trim_wsp(std::string_view s) {
  auto wsp = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && wsp(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::vector<std::string_view> split_any(std::string_view s, std::string_view seps) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = s.find_first_not_of(seps, i);
    if (start == std::string_view::npos) break;
    size_t end = s.find_first_of(seps, start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    i = end;
  }
  return out;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  const std::string_view seps = ", \t\r\n";
  while (i < s.size()) {
    i = s.find_first_not_of(seps, i);
    if (i == std::string_view::npos) break;
    if (s[i] == '{') {
      int depth = 0;
      size_t j = i;
      for (; j < s.size(); ++j) {
        if (s[j] == '{') ++depth;
        if (s[j] == '}' && --depth == 0) break;
      }
      if (j >= s.size()) {  // unbalanced: keep the rest verbatim
        out.emplace_back(trim(s.substr(i)));
        break;
      }
      out.emplace_back(trim(s.substr(i + 1, j - i - 1)));
      i = j + 1;
      continue;
    }
    size_t end = i;
    int depth = 0;  // "inline:{ a=b, c=d }" stays one token
    for (; end < s.size(); ++end) {
      char c = s[end];
      if (c == '{') ++depth;
      else if (c == '}' && depth > 0) --depth;
      else if (depth == 0 && seps.find(c) != std::string_view::npos) break;
    }
    out.emplace_back(s.substr(i, end - i));
    i = end;
  }
  return out;
}

std::string printable(std::string_view s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (char c : s) {
    if (out.size() >= max) break;
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back((u >= 0x20 && u < 0x7f) || u >= 0x80 ? c : '?');
  }
  return out;
}

std::optional<long long> parse_int(std::string_view s) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

int hex_digit(char c, bool upper_only) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (!upper_only && c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace tern
