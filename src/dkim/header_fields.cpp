// Header splitting and h= selection; see header_fields.hpp.
#include "dkim/header_fields.hpp"

#include "base/strings.hpp"

namespace tern::dkim {

SplitMessage split_message(std::string_view c) {
  SplitMessage m;
  size_t pos = 0;
  while (pos < c.size()) {
    if (c[pos] == '\n' || (c[pos] == '\r' && pos + 1 < c.size() && c[pos + 1] == '\n')) {
      m.body = c.substr(pos + (c[pos] == '\r' ? 2 : 1));
      return m;
    }
    size_t eol = c.find('\n', pos);
    if (eol == std::string_view::npos) eol = c.size();
    size_t colon = c.find(':', pos);
    if (colon == std::string_view::npos || colon > eol) {
      m.body = c.substr(pos);
      return m;
    }
    size_t end = eol;  // extend over continuation lines
    while (end + 1 < c.size() && (c[end + 1] == ' ' || c[end + 1] == '\t')) {
      size_t next = c.find('\n', end + 1);
      end = next == std::string_view::npos ? c.size() : next;
    }
    std::string_view field = c.substr(pos, end - pos);
    if (!field.empty() && field.back() == '\r') field.remove_suffix(1);
    std::string_view name = c.substr(pos, colon - pos);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    m.headers.push_back({name, field, field.substr(colon - pos + 1)});
    pos = end + 1;
  }
  return m;
}

std::vector<const HeaderField*> select_headers(const SplitMessage& m, const std::vector<std::string_view>& names,
                                               const HeaderField* skip) {
  std::vector<const HeaderField*> out;
  std::vector<bool> used(m.headers.size(), false);
  for (auto name : names) {
    for (size_t i = m.headers.size(); i-- > 0;) {
      const HeaderField& h = m.headers[i];
      if (used[i] || &h == skip || !iequals(h.name, name)) continue;
      used[i] = true;
      out.push_back(&h);
      break;
    }
  }
  return out;
}

}  // namespace tern::dkim
