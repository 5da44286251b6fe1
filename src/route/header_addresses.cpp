// Addresses in address-list headers; see header_addresses.hpp.
#include "route/header_addresses.hpp"

namespace tern::route {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Index just past the quoted string opening at `i`; npos when it never closes.
size_t skip_quoted(std::string_view v, size_t i) {
  for (++i; i < v.size(); ++i) {
    if (v[i] == '\\') ++i;
    else if (v[i] == '"') return i + 1;
  }
  return std::string_view::npos;
}

size_t skip_comment(std::string_view v, size_t i) {
  int depth = 0;
  for (; i < v.size(); ++i) {
    if (v[i] == '\\') ++i;
    else if (v[i] == '(') ++depth;
    else if (v[i] == ')' && --depth == 0) return i + 1;
  }
  return v.size();
}

// A mailbox without angle brackets: its one addr-spec, if the element is just that (no
// whitespace between words: "John Smith" alone is not an address).
void bare_address(std::string_view v, size_t begin, size_t end, std::vector<AddressSpan>& out) {
  size_t first = std::string_view::npos, last = 0;
  for (size_t i = begin; i < end;) {
    if (is_space(v[i])) {
      ++i;
      continue;
    }
    if (v[i] == '(') {
      i = skip_comment(v, i);
      continue;
    }
    if (first != std::string_view::npos && last < i) return;  // a second word
    if (first == std::string_view::npos) first = i;
    size_t j = i;
    while (j < end && !is_space(v[j]) && v[j] != '(') {
      j = v[j] == '"' ? skip_quoted(v, j) : j + 1;
      if (j == std::string_view::npos) return;  // an unterminated quote: not an address
    }
    last = std::min(j, end);
    i = last;
  }
  if (first != std::string_view::npos && last > first) out.push_back({first, last});
}

}  // namespace

std::vector<AddressSpan> find_addresses(std::string_view v) {
  std::vector<AddressSpan> out;
  size_t elem = 0;
  bool angled = false;  // the current element had <…>
  for (size_t i = 0; i < v.size();) {
    char c = v[i];
    if (c == '"') {
      i = skip_quoted(v, i);
      if (i == std::string_view::npos) return out;  // unterminated: leave the rest alone
    } else if (c == '[') {  // a domain literal may hold ':' ("[IPv6:::1]")
      while (i < v.size() && v[i] != ']') ++i;
    } else if (c == '(') {
      i = skip_comment(v, i);
    } else if (c == '<') {
      size_t j = i + 1;
      while (j < v.size() && v[j] != '>') j = v[j] == '"' ? skip_quoted(v, j) : j + 1;
      if (j >= v.size()) return out;  // unterminated (npos included): leave the rest alone
      size_t b = i + 1, e = j;
      while (b < e && is_space(v[b])) ++b;
      while (e > b && is_space(v[e - 1])) --e;
      if (e > b) out.push_back({b, e});
      angled = true;
      i = j + 1;
    } else if (c == ',' || c == ';') {
      if (!angled) bare_address(v, elem, i, out);
      elem = i + 1;
      angled = false;
      ++i;
    } else if (c == ':' && !angled) {  // "group-name:" — what came before is a name
      elem = i + 1;
      ++i;
    } else {
      ++i;
    }
  }
  if (!angled) bare_address(v, elem, v.size(), out);
  return out;
}

std::string rewrite_address_list(std::string_view v, const std::function<std::string(std::string_view)>& fn) {
  std::string out;
  size_t pos = 0;
  for (const auto& s : find_addresses(v)) {
    out.append(v.substr(pos, s.begin - pos));
    out += fn(v.substr(s.begin, s.end - s.begin));
    pos = s.end;
  }
  out.append(v.substr(pos));
  return out;
}

}  // namespace tern::route
