// Logical lines of a table source, the postmap(1) "key whitespace value" split, and the
// duplicate-key policy; see source.hpp. The aliases(5) split is in alias_source.cpp.
#include "maps/source.hpp"

#include "base/strings.hpp"
#include "maps/tables.hpp"

namespace tern::maps {

namespace {

std::string at(const std::string& file, int line) { return file + ":" + std::to_string(line) + ": "; }

// The end of a key that may contain double-quoted parts with backslash escapes;
// npos when a quote is left open.
size_t table_key_end(std::string_view t) {
  bool quoted = false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (quoted && c == '\\') ++i;
    else if (c == '"') quoted = !quoted;
    else if (!quoted && (c == ' ' || c == '\t')) return i;
  }
  return quoted ? std::string_view::npos : t.size();
}

Result<std::pair<std::string, std::string>> split_table_line(std::string_view t) {
  size_t end = table_key_end(t);
  if (end == std::string_view::npos)
    return Error{"unbalanced '\"' in \"" + printable(t, 80) + "\""};
  auto value = trim(t.substr(end));
  if (value.empty()) return Error{"expected \"key whitespace value\": \"" + printable(t, 80) + "\""};
  return std::pair{std::string(t.substr(0, end)), std::string(value)};
}

struct Logical {
  std::string text;
  int line = 0;
};

// Adds one logical line as an entry; false with `err` set when it is malformed.
bool add_logical(const Logical& l, const std::string& file, const SourceOptions& opts,
                 std::vector<SourceEntry>& out, std::string& err) {
  auto kv = opts.format == SourceFormat::aliases ? split_alias_line(l.text) : split_table_line(l.text);
  if (!kv) {
    err = at(file, l.line) + kv.error().message;
    return false;
  }
  std::string key = opts.fold_keys ? lower(kv->first) : std::move(kv->first);
  out.push_back({std::move(key), std::move(kv->second), l.line});
  return true;
}

}  // namespace

Result<std::vector<SourceEntry>> parse_source(std::string_view text, const std::string& file,
                                              const SourceOptions& opts) {
  std::vector<SourceEntry> out;
  std::string err;
  Logical cur;
  int lineno = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(i, nl - i);
    i = nl + 1;
    ++lineno;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    auto t = trim(l);
    if (t.empty() || t.front() == '#') continue;
    if (l.front() == ' ' || l.front() == '\t') {
      if (cur.line == 0) return Error{at(file, lineno) + "continuation line without a key before it"};
      cur.text += ' ';
      cur.text += t;
      continue;
    }
    if (cur.line != 0 && !add_logical(cur, file, opts, out, err)) return Error{err};
    cur = {std::string(t), lineno};
  }
  if (cur.line != 0 && !add_logical(cur, file, opts, out, err)) return Error{err};
  return out;
}

std::vector<std::string> merge_entries(TableEntries& into, std::vector<SourceEntry> entries,
                                       Duplicates dup, const std::string& file) {
  std::vector<std::string> warnings;
  for (auto& e : entries) {
    auto [it, added] = into.try_emplace(std::move(e.key), std::move(e.value));
    if (added) continue;
    if (dup == Duplicates::replace) it->second = std::move(e.value);
    else if (dup == Duplicates::warn_keep_first)
      warnings.push_back(at(file, e.line) + "duplicate entry: \"" + printable(it->first, 100) + "\"");
  }
  return warnings;
}

Result<std::unordered_map<std::string, std::string>> parse_table_source(std::string_view text,
                                                                        const std::string& file) {
  auto entries = parse_source(text, file);
  if (!entries) return entries.error();
  TableEntries merged;
  (void)merge_entries(merged, std::move(*entries), Duplicates::keep_first, file);
  return std::unordered_map<std::string, std::string>(merged.begin(), merged.end());
}

}  // namespace tern::maps
