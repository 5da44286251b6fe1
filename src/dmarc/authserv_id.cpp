#include "dmarc/authserv_id.hpp"

#include "base/strings.hpp"
#include "message/cleanup.hpp"

namespace tern::dmarc {

namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Skips whitespace and (nested, escaped) comments; npos when a comment never closes.
size_t skip_cfws(std::string_view v, size_t i) {
  while (i < v.size()) {
    if (is_ws(v[i])) {
      ++i;
    } else if (v[i] == '(') {
      int depth = 0;
      for (; i < v.size(); ++i) {
        if (v[i] == '\\') ++i;
        else if (v[i] == '(') ++depth;
        else if (v[i] == ')' && --depth == 0) break;
      }
      if (i >= v.size()) return std::string_view::npos;
      ++i;
    } else {
      break;
    }
  }
  return i;
}

bool token_char(char c) {
  if (static_cast<unsigned char>(c) <= ' ' || c == 127) return false;
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

}  // namespace

std::optional<std::string> parse_authserv_id(std::string_view v) {
  size_t i = skip_cfws(v, 0);
  if (i == std::string_view::npos || i >= v.size()) return std::nullopt;
  std::string id;
  if (v[i] == '"') {
    for (++i; i < v.size() && v[i] != '"'; ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      if (v[i] != '\r' && v[i] != '\n') id += v[i];
    }
    if (i >= v.size()) return std::nullopt;  // unterminated
    ++i;
  } else {
    // A token; UTF-8 is allowed in an authserv-id since RFC 8601 (a U-label domain).
    while (i < v.size() && (token_char(v[i]) || static_cast<unsigned char>(v[i]) >= 0x80)) id += v[i++];
  }
  if (id.empty()) return std::nullopt;
  // What may follow: CFWS, a version number, CFWS, then ';' or the end ("id; none").
  i = skip_cfws(v, i);
  if (i == std::string_view::npos) return std::nullopt;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  i = skip_cfws(v, i);
  if (i == std::string_view::npos) return std::nullopt;
  if (i < v.size() && v[i] != ';') return std::nullopt;
  return id;
}

Removed remove_our_auth_results(std::string_view content, std::string_view ours) {
  Removed out;
  size_t kept = 0;  // content[kept, field start) is still to copy
  size_t end = for_each_header(content, [&](std::string_view name, std::string_view value) {
    if (!iequals(trim(name), "authentication-results")) return;
    auto id = parse_authserv_id(value);
    if (!id || !iequals(*id, ours)) return;
    size_t start = static_cast<size_t>(name.data() - content.data());
    size_t stop = static_cast<size_t>(value.data() + value.size() - content.data());
    if (stop < content.size() && content[stop] == '\n') ++stop;
    out.content.append(content.substr(kept, start - kept));
    kept = stop;
    ++out.count;
  });
  (void)end;
  out.content.append(content.substr(kept));
  return out;
}

}  // namespace tern::dmarc
