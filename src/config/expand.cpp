// $name expansion; see expand.hpp.
#include "config/expand.hpp"

#include <cctype>

namespace tern::config {

namespace {

constexpr int kMaxDepth = 100;

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

struct Expander {
  const RawLookup& lookup;
  int depth = 0;

  Result<std::string> run(std::string_view text);
  Result<std::string> value_of(std::string_view name);
  // Parses the inside of ${...}: name, then optional ?value / :value forms.
  Result<std::string> braced(std::string_view inner);
};

// "{x}" -> "x"; anything else is returned as is.
std::string_view unbrace(std::string_view s) {
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}') return s.substr(1, s.size() - 2);
  return s;
}

// Finds the ':' that separates "{then}:{else}" at brace depth 0, or npos.
size_t top_level_colon(std::string_view s) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    else if (s[i] == '}') --depth;
    else if (s[i] == ':' && depth == 0) return i;
  }
  return std::string_view::npos;
}

Result<std::string> Expander::value_of(std::string_view name) {
  auto raw = lookup(name);
  if (!raw) return std::string();
  if (++depth > kMaxDepth) return Error{"parameter $" + std::string(name) + ": recursion loop"};
  auto r = run(*raw);
  --depth;
  return r;
}

Result<std::string> Expander::braced(std::string_view inner) {
  size_t n = 0;
  while (n < inner.size() && name_char(inner[n])) ++n;
  std::string_view name = inner.substr(0, n);
  if (name.empty()) return Error{"bad macro syntax: \"${" + std::string(inner) + "}\""};
  if (n == inner.size()) return value_of(name);
  char op = inner[n];
  std::string_view rest = inner.substr(n + 1);
  if (op != '?' && op != ':')
    return Error{"bad macro syntax: \"${" + std::string(inner) + "}\""};
  auto v = value_of(name);
  if (!v) return v;
  bool set = !v->empty();
  if (op == '?') {
    size_t colon = !rest.empty() && rest.front() == '{' ? top_level_colon(rest) : std::string_view::npos;
    if (colon != std::string_view::npos) {
      std::string_view then = unbrace(rest.substr(0, colon));
      std::string_view otherwise = unbrace(rest.substr(colon + 1));
      return run(set ? then : otherwise);
    }
    return set ? run(unbrace(rest)) : std::string();
  }
  return set ? std::string() : run(unbrace(rest));
}

Result<std::string> Expander::run(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$') {
      out.push_back(c);
      continue;
    }
    if (i + 1 >= text.size()) {
      out.push_back('$');
      break;
    }
    char n = text[i + 1];
    if (n == '$') {
      out.push_back('$');
      ++i;
    } else if (n == '{' || n == '(') {
      char close = n == '{' ? '}' : ')';
      int depth = 0;
      size_t j = i + 1;
      for (; j < text.size(); ++j) {
        if (text[j] == n) ++depth;
        else if (text[j] == close && --depth == 0) break;
      }
      if (j >= text.size())
        return Error{"missing '" + std::string(1, close) + "' in \"" + std::string(text) + "\""};
      auto v = braced(text.substr(i + 2, j - i - 2));
      if (!v) return v;
      out += *v;
      i = j;
    } else if (name_char(n)) {
      size_t j = i + 1;
      while (j < text.size() && name_char(text[j])) ++j;
      auto v = value_of(text.substr(i + 1, j - i - 1));
      if (!v) return v;
      out += *v;
      i = j - 1;
    } else {
      out.push_back('$');
    }
  }
  return out;
}

}  // namespace

Result<std::string> expand(std::string_view text, const RawLookup& lookup) {
  Expander e{lookup};
  return e.run(text);
}

void referenced_names(std::string_view text, const std::function<void(std::string_view)>& f) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '$') continue;
    size_t j = i + 1;
    if (text[j] == '$') {
      i = j;
      continue;
    }
    if (text[j] == '{' || text[j] == '(') ++j;
    size_t start = j;
    while (j < text.size() && name_char(text[j])) ++j;
    if (j > start) f(text.substr(start, j - start));
  }
}

}  // namespace tern::config
