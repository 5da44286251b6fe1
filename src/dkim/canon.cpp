// Canonicalization; see canon.hpp.
#include "dkim/canon.hpp"

#include "base/strings.hpp"

namespace tern::dkim {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// Each line end in `s` ("\r\n" or a bare "\n") written as CRLF.
void append_crlf(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
}

// Relaxed: runs of WSP become one SP, WSP at the end goes (line ends already removed).
std::string squeeze_wsp(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_wsp = false;
  for (char c : s) {
    if (is_wsp(c)) {
      in_wsp = true;
      continue;
    }
    if (in_wsp && !out.empty()) out += ' ';
    in_wsp = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string_view canon_name(Canon c) { return c == Canon::simple ? "simple" : "relaxed"; }

Result<std::pair<Canon, Canon>> parse_canon(std::string_view text) {
  auto one = [](std::string_view s) -> Result<Canon> {
    if (s == "simple") return Canon::simple;
    if (s == "relaxed") return Canon::relaxed;
    return Error{"unknown canonicalization \"" + printable(s, 40) + "\""};
  };
  size_t slash = text.find('/');
  auto h = one(text.substr(0, slash));
  if (!h) return h.error();
  if (slash == std::string_view::npos) return std::pair{*h, Canon::simple};
  auto b = one(text.substr(slash + 1));
  if (!b) return b.error();
  return std::pair{*h, *b};
}

std::string canon_header(Canon c, std::string_view field) {
  std::string out;
  if (c == Canon::simple) {
    append_crlf(out, field);
    return out;
  }
  // Unfolding removes every line break, a stray CR in a malformed name included.
  std::string unfolded;
  for (char ch : field)
    if (ch != '\r' && ch != '\n') unfolded += ch;
  std::string_view f = unfolded;
  size_t colon = f.find(':');
  std::string_view name = f.substr(0, colon);
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
  out = lower(name);
  out += ':';
  if (colon == std::string_view::npos) return out;
  out += squeeze_wsp(f.substr(colon + 1));  // also drops the WSP after the colon
  return out;
}

void BodyCanonicalizer::update(std::string_view chunk) {
  while (!chunk.empty()) {
    size_t nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(chunk);
      return;
    }
    std::string_view l = chunk.substr(0, nl);
    chunk.remove_prefix(nl + 1);
    if (!partial_.empty()) {
      partial_.append(l);
      l = partial_;
    }
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    line(l);
    partial_.clear();
  }
}

void BodyCanonicalizer::finish() {
  if (!partial_.empty()) {
    std::string last = std::move(partial_);
    partial_.clear();
    line(last);
  }
  if (canon_ == Canon::simple && !emitted_) sink_("\r\n");
  empty_lines_ = 0;
}

void BodyCanonicalizer::line(std::string_view l) {
  std::string relaxed;
  if (canon_ == Canon::relaxed) {
    relaxed = squeeze_wsp(l);
    // squeeze_wsp keeps no leading WSP; relaxed only reduces it to one SP.
    if (!l.empty() && is_wsp(l.front()) && !relaxed.empty()) relaxed.insert(0, 1, ' ');
    l = relaxed;
  }
  if (l.empty()) {
    ++empty_lines_;
    return;
  }
  for (; empty_lines_ > 0; --empty_lines_) sink_("\r\n");
  sink_(l);
  sink_("\r\n");
  emitted_ = true;
}

std::string canon_body(Canon c, std::string_view body) {
  std::string out;
  BodyCanonicalizer b(c, [&out](std::string_view s) { out.append(s); });
  b.update(body);
  b.finish();
  return out;
}

}  // namespace tern::dkim
