// Header iteration template for cleanup.hpp.
#pragma once
#include <cctype>

namespace tern {

template <class F>
size_t for_each_header(std::string_view c, F f) {
  size_t pos = 0;
  while (pos < c.size()) {
    if (c[pos] == '\n') return pos;  // blank line: end of headers
    size_t colon = c.find(':', pos);
    size_t eol = c.find('\n', pos);
    if (eol == std::string_view::npos) eol = c.size();
    if (colon == std::string_view::npos || colon > eol) return pos;  // not a header: body starts
    size_t end = eol;
    while (end + 1 < c.size() && (c[end + 1] == ' ' || c[end + 1] == '\t')) {
      size_t next = c.find('\n', end + 1);
      end = next == std::string_view::npos ? c.size() : next;
    }
    std::string_view name = c.substr(pos, colon - pos);
    std::string_view value = c.substr(colon + 1, end - colon - 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    f(name, value);
    pos = end + 1;
  }
  return c.size();
}

}  // namespace tern
