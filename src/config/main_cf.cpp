// main.cf parsing and editing; see main_cf.hpp.
#include "config/main_cf.hpp"

#include <cctype>
#include <optional>

#include "base/strings.hpp"

namespace tern::config {

namespace {

bool is_blank_or_comment(std::string_view line) {
  auto t = trim(line);
  return t.empty() || t.front() == '#';
}

bool starts_with_space(std::string_view line) {
  return !line.empty() && (line.front() == ' ' || line.front() == '\t');
}

bool valid_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

// A logical line: the first physical line number and the joined text.
struct Logical {
  int first = 0, last = 0;  // 1-based physical line numbers
  std::string text;
};

std::vector<std::string_view> physical_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(i, nl - i);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    i = nl + 1;
  }
  return lines;
}

// Joins continuation lines. Comments and blank lines end a logical line only when they
// are not indented: Postfix ignores indented comments inside a continued value.
Result<std::vector<Logical>> logical_lines(const std::vector<std::string_view>& lines,
                                           const std::string& file) {
  std::vector<Logical> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (is_blank_or_comment(l)) continue;
    if (starts_with_space(l)) {
      if (out.empty())
        return Error{file + ":" + std::to_string(i + 1) +
                     ": syntax error: continuation line without a parameter before it"};
      out.back().text.push_back(' ');
      out.back().text.append(trim(l));
      out.back().last = int(i + 1);
      continue;
    }
    out.push_back({int(i + 1), int(i + 1), std::string(trim(l))});
  }
  return out;
}

Result<std::pair<std::string, std::string>> split_assignment(const Logical& l,
                                                              const std::string& file) {
  auto eq = l.text.find('=');
  std::string where = file + ":" + std::to_string(l.first) + ": ";
  if (eq == std::string::npos)
    return Error{where + "syntax error: missing '=' after parameter name: \"" +
                 printable(l.text, 80) + "\""};
  std::string name(trim(std::string_view(l.text).substr(0, eq)));
  if (!valid_name(name))
    return Error{where + "syntax error: bad parameter name: \"" + printable(name, 80) + "\""};
  std::string value(trim(std::string_view(l.text).substr(eq + 1)));
  return std::pair{name, value};
}

}  // namespace

Result<RawParams> parse_main_cf(std::string_view text, const std::string& file) {
  auto lines = physical_lines(text);
  auto logical = logical_lines(lines, file);
  if (!logical) return logical.error();
  RawParams out;
  for (const auto& l : *logical) {
    auto kv = split_assignment(l, file);
    if (!kv) return kv.error();
    out[kv->first] = RawValue{kv->second, file, l.first};
  }
  return out;
}

Result<std::string> edit_main_cf(std::string_view text, const std::vector<Edit>& edits,
                                 const std::string& file) {
  auto lines = physical_lines(text);
  auto logical = logical_lines(lines, file);
  if (!logical) return logical.error();
  // Which physical lines each edit replaces (the last definition wins, as in parsing).
  std::vector<std::optional<std::string>> replace(lines.size());
  std::vector<bool> drop(lines.size(), false);
  std::vector<bool> done(edits.size(), false);
  for (size_t e = 0; e < edits.size(); ++e) {
    for (const auto& l : *logical) {
      auto kv = split_assignment(l, file);
      if (!kv) return kv.error();
      if (kv->first != edits[e].name) continue;
      for (int i = l.first; i <= l.last; ++i) drop[size_t(i - 1)] = true;
      replace[size_t(l.first - 1)].reset();
      if (edits[e].value && !done[e]) {
        replace[size_t(l.first - 1)] = edits[e].name + " = " + *edits[e].value;
        done[e] = true;
      }
    }
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (replace[i]) {
      out += *replace[i];
      out += '\n';
    } else if (!drop[i]) {
      out.append(lines[i]);
      out += '\n';
    }
  }
  for (size_t e = 0; e < edits.size(); ++e)
    if (!done[e] && edits[e].value) out += edits[e].name + " = " + *edits[e].value + "\n";
  return out;
}

}  // namespace tern::config
