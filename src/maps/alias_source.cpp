// One aliases(5) logical line: "name: value, value". What postalias(1) stores:
//   name   the part before the first ':' outside double quotes, as RFC 5322 words joined
//          by one space with their quotes and backslashes removed ("a b": x -> key a b);
//          an unquoted '@' is refused (Postfix: "name must be local").
//   value  split at commas outside quotes, comments and <…>, each item with its runs of
//          whitespace squeezed, joined with ", " ("a ,  b" -> "a, b").
#include "base/strings.hpp"
#include "maps/source.hpp"

namespace tern::maps {

namespace {

Error unbalanced(std::string_view s) { return Error{"unbalanced '\"' in \"" + printable(s, 80) + "\""}; }

// The name's words, unquoted.
Result<std::string> alias_name(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  auto end_word = [&] {
    if (in_word) words.push_back(std::move(cur));
    cur.clear();
    in_word = false;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ' || c == '\t') {
      end_word();
    } else if (c == '"') {
      end_word();
      size_t j = i + 1;
      for (; j < s.size() && s[j] != '"'; ++j) {
        if (s[j] == '\\' && j + 1 < s.size()) ++j;
        cur += s[j];
      }
      if (j >= s.size()) return unbalanced(s);
      in_word = true;
      end_word();
      i = j;
    } else if (c == '@') {
      return Error{"name must be local: \"" + printable(s, 80) + "\""};
    } else {
      if (c == '\\' && i + 1 < s.size()) c = s[++i];
      cur += c;
      in_word = true;
    }
  }
  end_word();
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// One list item with whitespace outside quotes squeezed to single spaces.
std::string squeeze(std::string_view item) {
  std::string out;
  bool quoted = false, space = false;
  for (size_t i = 0; i < item.size(); ++i) {
    char c = item[i];
    if (!quoted && (c == ' ' || c == '\t')) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (c == '\\' && i + 1 < item.size()) out += item[++i];  // an escaped blank stays
    else if (c == '"') quoted = !quoted;
  }
  return out;
}

std::string normalize_value(std::string_view v) {
  std::string out;
  bool quoted = false;
  int comment = 0, angle = 0;
  size_t start = 0;
  auto item = [&](size_t end) {
    if (start != 0) out += ", ";
    out += squeeze(v.substr(start, end - start));
  };
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\') ++i;
    else if (c == '"' && comment == 0) quoted = !quoted;
    else if (quoted) continue;
    else if (c == '(') ++comment;
    else if (c == ')' && comment > 0) --comment;
    else if (comment > 0) continue;
    else if (c == '<') ++angle;
    else if (c == '>' && angle > 0) --angle;
    else if (c == ',' && angle == 0) {
      item(i);
      start = i + 1;
    }
  }
  item(v.size());
  return out;
}

}  // namespace

Result<std::pair<std::string, std::string>> split_alias_line(std::string_view line) {
  size_t colon = std::string_view::npos;
  bool quoted = false;
  for (size_t i = 0; i < line.size() && colon == std::string_view::npos; ++i) {
    if (line[i] == '\\') ++i;
    else if (line[i] == '"') quoted = !quoted;
    else if (line[i] == ':' && !quoted) colon = i;
  }
  if (colon == std::string_view::npos) {
    if (quoted) return unbalanced(line);
    return Error{"need name:value pair: \"" + printable(line, 80) + "\""};
  }
  auto name = alias_name(trim(line.substr(0, colon)));
  if (!name) return name.error();
  auto rest = trim(line.substr(colon + 1));
  if (name->empty() || rest.empty())
    return Error{"need name:value pair: \"" + printable(line, 80) + "\""};
  return std::pair{std::move(*name), normalize_value(rest)};
}

}  // namespace tern::maps
