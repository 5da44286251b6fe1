// Target lists of aliases, .forward and :include: files; see forward.hpp.
#include "delivery/forward.hpp"

#include "base/strings.hpp"

namespace tern::delivery {

namespace {

// Splits one logical line at commas outside double quotes; appends classified items.
TargetError split_items(std::string_view line, const TargetLimits& lim, std::vector<Target>& out) {
  std::string item;
  bool quoted = false;
  auto flush = [&]() -> TargetError {
    std::string_view t = trim(item);
    if (!t.empty()) {
      if (out.size() >= lim.max_targets) return TargetError::too_many;
      Target tg = classify_target(t);
      if (tg.kind == TargetKind::include && (tg.value.empty() || tg.value.front() != '/'))
        return TargetError::bad_include;
      out.push_back(std::move(tg));
    }
    item.clear();
    return TargetError::none;
  };
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\0') return TargetError::nul_byte;
    if (c == '"') {
      quoted = !quoted;
      // A quoted item is taken as written inside the quotes; text around the quotes
      // ("|cmd" or "foo"bar) joins it, as in RFC 822 local parts.
      if (quoted && trim(item).empty()) item.clear();
      continue;
    }
    if (quoted && c == '\\' && i + 1 < line.size()) c = line[++i];
    else if (!quoted && c == ',') {
      if (auto e = flush(); e != TargetError::none) return e;
      continue;
    }
    item += c;
    if (item.size() > lim.max_item) return TargetError::item_too_long;
  }
  if (quoted) return TargetError::unbalanced_quote;
  return flush();
}

}  // namespace

const char* source_name(TargetSource s) {
  return s == TargetSource::alias ? "alias" : s == TargetSource::forward ? "forward" : "include";
}

std::string ParsedTargets::message() const {
  const char* what = "";
  switch (error) {
    case TargetError::none: return {};
    case TargetError::too_big: what = "file too large"; break;
    case TargetError::too_many: what = "too many targets"; break;
    case TargetError::item_too_long: what = "target too long"; break;
    case TargetError::unbalanced_quote: what = "unbalanced double quote"; break;
    case TargetError::nul_byte: what = "NUL byte"; break;
    case TargetError::bad_include: what = ":include: needs an absolute path"; break;
  }
  return line ? "line " + std::to_string(line) + ": " + what : std::string(what);
}

Target classify_target(std::string_view item) {
  Target t;
  if (item.size() > 1 && item.front() == '<' && item.back() == '>') item = trim(item.substr(1, item.size() - 2));
  if (!item.empty() && item.front() == '\\') {
    t.backslash = true;
    item.remove_prefix(1);
  }
  if (!t.backslash && !item.empty() && item.front() == '|') {
    t.kind = TargetKind::command;
    t.value = std::string(trim(item.substr(1)));
  } else if (!t.backslash && !item.empty() && item.front() == '/') {
    t.kind = TargetKind::file;
    t.value = std::string(item);
  } else if (!t.backslash && istarts_with(item, ":include:")) {
    t.kind = TargetKind::include;
    t.value = std::string(trim(item.substr(9)));
  } else {
    t.value = std::string(item);
  }
  return t;
}

ParsedTargets parse_target_list(std::string_view value, const TargetLimits& lim) {
  ParsedTargets p;
  p.error = split_items(value, lim, p.targets);
  return p;
}

ParsedTargets parse_target_file(std::string_view text, const TargetLimits& lim) {
  ParsedTargets p;
  if (text.size() > lim.max_bytes) {
    p.error = TargetError::too_big;
    return p;
  }
  std::string logical;
  size_t logical_line = 0, lineno = 0, i = 0;
  auto flush = [&] {
    if (p.error == TargetError::none && !trim(logical).empty()) {
      p.error = split_items(logical, lim, p.targets);
      if (p.error != TargetError::none) p.line = logical_line;
    }
    logical.clear();
  };
  while (i < text.size() && p.error == TargetError::none) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(i, nl - i);
    i = nl + 1;
    ++lineno;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (trim(l).empty() || trim(l).front() == '#') continue;
    if ((l.front() == ' ' || l.front() == '\t') && !logical.empty()) {
      logical += ' ';
      logical += trim(l);
      continue;
    }
    flush();
    logical = std::string(trim(l));
    logical_line = lineno;
  }
  flush();
  return p;
}

}  // namespace tern::delivery
