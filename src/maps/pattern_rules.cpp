// The shared pattern-table parser and evaluator; see pattern_rules.hpp. Where Postfix
// warns and skips a bad rule, Tern refuses the table at open: a skipped reject rule is a
// silent hole, and every problem names FILE:LINE.
#include "maps/pattern_rules.hpp"

#include <cctype>

#include "base/file.hpp"
#include "base/strings.hpp"

namespace tern::maps {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string_view skip_blanks(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

// "if" / "endif" as Postfix recognizes them: any case, not followed by a letter or digit.
bool keyword(std::string_view line, std::string_view word) {
  return istarts_with(line, word) && (line.size() == word.size() || !is_alnum(line[word.size()]));
}

// Leading '!' toggles negation; whitespace between them is allowed ("! /x/").
bool take_negation(std::string_view& p) {
  bool negate = false;
  while (!p.empty() && (p.front() == '!' || is_blank(p.front()))) {
    if (p.front() == '!') negate = !negate;
    p.remove_prefix(1);
  }
  return negate;
}

size_t max_group(const std::vector<ResultPiece>& pieces) {
  size_t n = 0;
  for (const auto& p : pieces) n = std::max(n, p.group);
  return n;
}

// The name inside "$name", "${name}" or "$(name)" starting at s[0] (just after '$');
// `used` is how many bytes it took. Nested brackets of the same kind count, as in
// Postfix's mac_parse().
Result<std::string_view> macro_name(std::string_view s, size_t& used) {
  if (!s.empty() && (s.front() == '{' || s.front() == '(')) {
    char open = s.front(), close = open == '{' ? '}' : ')';
    int level = 1;
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i] == open) ++level;
      if (s[i] == close && --level == 0) {
        used = i + 1;
        return s.substr(1, i - 1);
      }
    }
    return Error{"truncated macro reference"};
  }
  size_t n = 0;
  while (n < s.size() && (is_alnum(s[n]) || s[n] == '_')) ++n;
  used = n;
  return s.substr(0, n);
}

}  // namespace

Result<PatternText> scan_delimited(std::string_view& rest) {
  if (rest.empty()) return Error{"missing pattern"};
  char delim = rest.front();
  if (is_alnum(delim) || std::isspace(static_cast<unsigned char>(delim)))
    return Error{"unrecognized request \"" + printable(rest, 60) +
                 "\" (expected \"/pattern/flags result\", \"if /pattern/flags\" or \"endif\")"};
  size_t i = 1;
  for (; i < rest.size() && rest[i] != delim; ++i)
    if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
  if (i >= rest.size())
    return Error{"no closing regexp delimiter \"" + printable(std::string_view(&delim, 1)) + "\""};
  PatternText p{rest.substr(1, i - 1), {}};
  size_t f = i + 1;
  while (f < rest.size() && !std::isspace(static_cast<unsigned char>(rest[f])) && rest[f] != '!') ++f;
  p.flags = rest.substr(i + 1, f - i - 1);
  rest.remove_prefix(f);
  return p;
}

Result<std::vector<ResultPiece>> parse_result_template(std::string_view text) {
  std::vector<ResultPiece> out;
  std::string literal;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$') {
      literal += text[i++];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      literal += '$';
      i += 2;
      continue;
    }
    size_t used = 0;
    auto name = macro_name(text.substr(i + 1), used);
    if (!name) return name.error();
    if (name->empty()) return Error{"empty macro name after '$'"};
    auto n = parse_int(*name);
    if (!n || (*name)[0] == '+' || (*name)[0] == '-')
      return Error{"non-numeric replacement index \"" + printable(*name, 40) + "\""};
    if (*n < 1 || *n > 99)
      return Error{"out-of-range replacement index \"" + printable(*name, 40) + "\""};
    if (!literal.empty()) out.push_back({std::move(literal), 0});
    literal.clear();
    out.push_back({"", size_t(*n)});
    i += 1 + used;
  }
  if (!literal.empty()) out.push_back({std::move(literal), 0});
  return out;
}

Result<std::vector<LogicalLine>> logical_lines(std::string_view text, const std::string& file) {
  std::vector<LogicalLine> out;
  int number = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(i, nl - i);
    i = nl + 1;
    ++number;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    auto t = trim(l);
    if (t.empty() || t.front() == '#') continue;
    if (is_blank(l.front())) {
      if (out.empty())
        return Error{file + ":" + std::to_string(number) +
                     ": logical line must not start with whitespace"};
      out.back().text += l;  // keeps the whitespace that separates the pieces
      continue;
    }
    out.push_back({number, std::string(l)});
  }
  for (auto& line : out) line.text = std::string(trim(line.text));
  return out;
}

namespace {

// Parses one logical line into `rules`; `open_ifs` holds the indexes of unclosed ifs.
Status parse_line(std::string_view p, const RuleSyntax& syntax, std::vector<Rule>& rules,
                  std::vector<size_t>& open_ifs) {
  Rule rule;
  if (keyword(p, "endif")) {
    if (!trim(p.substr(5)).empty()) return Error{"extra text after \"endif\""};
    if (open_ifs.empty()) return Error{"\"endif\" without matching \"if\""};
    rules[open_ifs.back()].after_endif = rules.size() + 1;
    open_ifs.pop_back();
    rule.kind = Rule::Kind::endif;
    rules.push_back(std::move(rule));
    return ok_status();
  }
  bool is_if = keyword(p, "if");
  if (is_if) p = skip_blanks(p.substr(2));
  rule.negate = take_negation(p);
  auto pat = syntax.scan(p);
  if (!pat) return pat.error();
  if (!p.empty() && !std::isspace(static_cast<unsigned char>(p.front())))
    return Error{"unexpected text after pattern: \"" + printable(p, 60) + "\""};
  std::string_view rest = trim(p);
  if (is_if) {
    if (!rest.empty())
      return Error{"extra text after \"if\" pattern: \"" + printable(rest, 60) +
                   "\" (do not indent rules between \"if\" and \"endif\")"};
    rule.kind = Rule::Kind::if_;
  } else {
    if (rest.empty()) return Error{"missing result after pattern"};
    if (syntax.substitutes()) {
      auto pieces = parse_result_template(rest);
      if (!pieces) return Error{"bad replacement syntax: " + pieces.error().message};
      rule.result = std::move(*pieces);
    } else {
      rule.result.push_back({std::string(rest), 0});
    }
    if (rule.negate && max_group(rule.result) > 0)
      return Error{"$number found in negative match replacement text"};
  }
  size_t want = max_group(rule.result);
  auto m = syntax.compile(*pat, want > 0);
  if (!m) return m.error();
  if (want > (*m)->group_count())
    return Error{"out of range replacement index \"" + std::to_string(want) + "\": the pattern has " +
                 std::to_string((*m)->group_count()) + " group(s)"};
  rule.matcher = std::move(*m);
  if (is_if) open_ifs.push_back(rules.size());
  rules.push_back(std::move(rule));
  return ok_status();
}

}  // namespace

Result<std::vector<Rule>> parse_rules(std::string_view text, const std::string& file,
                                      const RuleSyntax& syntax) {
  auto lines = logical_lines(text, file);
  if (!lines) return lines.error();
  std::vector<Rule> rules;
  std::vector<size_t> open_ifs;
  for (const auto& l : *lines) {
    auto st = parse_line(l.text, syntax, rules, open_ifs);
    if (!st) return Error{file + ":" + std::to_string(l.number) + ": " + st.error().message};
    rules.back().line = l.number;
  }
  if (!open_ifs.empty())
    return Error{file + ":" + std::to_string(rules[open_ifs.back()].line) +
                 ": \"if\" without matching \"endif\""};
  return rules;
}

Result<Found> RuleTable::find(std::string_view key) const {
  std::vector<std::string> groups;
  size_t i = 0;
  while (i < rules_.size()) {
    const Rule& r = rules_[i];
    if (r.kind == Rule::Kind::endif) {
      ++i;
      continue;
    }
    bool capture = r.kind == Rule::Kind::match && max_group(r.result) > 0;
    auto m = r.matcher->match(key, capture ? &groups : nullptr);
    if (!m)
      return Error{"table " + spec() + ", line " + std::to_string(r.line) + ": " + m.error().message};
    bool hit = *m != r.negate;
    if (r.kind == Rule::Kind::if_) {
      i = hit ? i + 1 : r.after_endif;
      continue;
    }
    if (!hit) {
      ++i;
      continue;
    }
    std::string out;
    for (const auto& p : r.result) out += p.group ? groups[p.group - 1] : p.text;
    return Found(std::move(out));
  }
  return Found();
}

Result<RuleSource> read_rule_source(std::string_view spec, std::string_view name,
                                    const OpenContext& ctx) {
  name = trim(name);
  if (!name.empty() && name.front() == '{') {
    if (name.back() != '}')
      return Error{"table \"" + printable(spec, 80) + "\": missing '}' at the end of the inline rules"};
    RuleSource src{"", std::string(spec)};
    for (const auto& rule : split_list(name.substr(1, name.size() - 2))) src.text += rule + "\n";
    return src;
  }
  std::string path = resolve_path(ctx.config_dir, name);
  auto text = read_file(path);
  if (!text) return Error{"table \"" + std::string(spec) + "\": " + text.error().message};
  return RuleSource{std::move(*text), path};
}

}  // namespace tern::maps
