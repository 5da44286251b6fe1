// SQL table '%' templates; see sql_template.hpp.
#include "maps/sql_template.hpp"

#include <vector>

#include "base/strings.hpp"

namespace tern::maps {

namespace {

struct Address {
  bool qualified = false;  // has an '@' (the last one splits)
  std::string_view local, domain;
};

Address split_address(std::string_view s) {
  auto at = s.rfind('@');
  if (at == std::string_view::npos) return {false, s, {}};
  return {true, s.substr(0, at), s.substr(at + 1)};
}

bool known_escape(char c) {
  return c == '%' || c == 's' || c == 'u' || c == 'd' || c == 'S' || c == 'U' || c == 'D' ||
         (c >= '1' && c <= '9');
}

// The text of escape `c`: lower-case letters refer to `subject` (the key in a query, the
// value in a result), upper-case letters and digits to the key. nullopt: cannot be filled.
std::optional<std::string_view> field(char c, std::string_view subject, std::string_view key) {
  std::string_view of = (c >= 'a' && c <= 'z') ? subject : key;
  Address a = split_address(of);
  switch (c) {
    case 's': case 'S':
      return of;
    case 'u': case 'U':
      if (!a.qualified) return of;
      if (a.local.empty()) return std::nullopt;
      return a.local;
    case 'd': case 'D':
      if (!a.qualified || a.domain.empty()) return std::nullopt;
      return a.domain;
    default: {  // '1'..'9': domain labels from the right
      if (!a.qualified || a.domain.empty()) return std::nullopt;
      auto labels = split_any(a.domain, ".");
      size_t n = size_t(c - '0');
      if (n > labels.size()) return std::nullopt;
      return labels[labels.size() - n];
    }
  }
}

template <class Fill>
std::optional<std::string> expand(std::string_view tmpl, Fill fill) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '%' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    char c = tmpl[++i];
    if (c == '%') {
      out += '%';
      continue;
    }
    auto text = fill(c);
    if (!text) return std::nullopt;
    out += *text;
  }
  return out;
}

}  // namespace

Status check_sql_template(std::string_view tmpl, std::string_view what) {
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '%') continue;
    if (i + 1 >= tmpl.size())
      return Error{std::string(what) + ": '%' at the end of \"" + printable(tmpl, 120) + "\""};
    char c = tmpl[++i];
    if (!known_escape(c))
      return Error{std::string(what) + ": invalid '%" + printable(std::string_view(&c, 1)) +
                   "' in \"" + printable(tmpl, 120) + "\" (use %%, %s, %u, %d, %S, %U, %D or %1..%9)"};
  }
  return ok_status();
}

std::optional<std::string> expand_sql_query(std::string_view tmpl, std::string_view key,
                                            const std::function<std::string(std::string_view)>& quote) {
  return expand(tmpl, [&](char c) -> std::optional<std::string> {
    auto f = field(c, key, key);
    if (!f) return std::nullopt;
    return quote(*f);
  });
}

std::optional<std::string> expand_sql_result(std::string_view fmt, std::string_view value,
                                             std::string_view key) {
  if (value.empty()) return std::nullopt;
  return expand(fmt, [&](char c) -> std::optional<std::string> {
    auto f = field(c, value, key);
    if (!f) return std::nullopt;
    return std::string(*f);
  });
}

}  // namespace tern::maps
