#include "sts/policy.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::sts {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A host name as MX records carry them: LDH labels of 1..63 octets, 253 in all.
bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    char c = d[i];
    if (c == '.') {
      if (label == 0 || d[i - 1] == '-') return false;
      label = 0;
    } else if (is_alnum(c) || c == '-' || c == '_') {
      if (label == 0 && c == '-') return false;
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

std::string_view strip_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

}  // namespace

bool valid_ext_name(std::string_view n) {
  if (n.empty() || n.size() > 32 || !is_alnum(n[0])) return false;
  for (char c : n)
    if (!is_alnum(c) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

Result<Record> parse_record(std::string_view txt) {
  constexpr std::string_view kVersion = "v=STSv1";
  if (txt.substr(0, kVersion.size()) != kVersion) return Error{"does not start with v=STSv1"};
  std::string_view rest = txt.substr(kVersion.size());
  Record r;
  bool have_id = false, have_field = false;
  while (!rest.empty()) {
    // sts-field-delim = *WSP ";" *WSP
    rest = trim_wsp(rest);
    if (rest.empty() || rest.front() != ';') return Error{"fields must be separated by ';'"};
    rest.remove_prefix(1);
    while (!rest.empty() && is_wsp(rest.front())) rest.remove_prefix(1);
    if (rest.empty()) break;  // one trailing delimiter is allowed
    size_t end = 0;
    while (end < rest.size() && rest[end] != ';' && !is_wsp(rest[end])) ++end;
    std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end);
    size_t eq = field.find('=');
    if (eq == std::string_view::npos) return Error{fmt::format("field without '=': {}", printable(field))};
    std::string_view name = field.substr(0, eq), value = field.substr(eq + 1);
    if (name == "id") {
      if (have_id) return Error{"more than one id"};
      if (value.empty() || value.size() > 32) return Error{"id must be 1 to 32 letters and digits"};
      for (char c : value)
        if (!is_alnum(c)) return Error{"id must be 1 to 32 letters and digits"};
      r.id = std::string(value);
      have_id = true;
    } else {
      if (!valid_ext_name(name)) return Error{fmt::format("bad field name: {}", printable(name))};
      if (value.empty()) return Error{fmt::format("empty value for {}", printable(name))};
      for (char c : value)
        if (c < 0x21 || c > 0x7e || c == '=' || c == ';')
          return Error{fmt::format("bad character in the value of {}", printable(name))};
    }
    have_field = true;
  }
  if (!have_field || !have_id) return Error{"no id field"};
  return r;
}

Result<Record> select_record(const std::vector<std::string>& txts) {
  const std::string* chosen = nullptr;
  size_t count = 0;
  for (const auto& t : txts) {
    std::string_view v = t;
    if (v.substr(0, 7) != "v=STSv1") continue;
    std::string_view after = trim_wsp(v.substr(7));
    if (after.empty() || after.front() != ';') continue;
    chosen = &t;
    ++count;
  }
  if (count == 0) return Error{"no v=STSv1 record"};
  if (count > 1) return Error{fmt::format("{} v=STSv1 records", count)};
  return parse_record(*chosen);
}

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::enforce: return "enforce";
    case Mode::testing: return "testing";
    case Mode::none: return "none";
  }
  return "none";
}

Result<Policy> parse_policy(std::string_view body) {
  Policy p;
  std::optional<std::string_view> version, mode, max_age;
  size_t line_no = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim_wsp(line);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return Error{fmt::format("line {}: no ':' in {}", line_no, printable(line, 80))};
    std::string_view key = line.substr(0, colon), value = trim_wsp(line.substr(colon + 1));
    auto once = [&](std::optional<std::string_view>& slot) -> Status {
      if (slot && *slot != value) return Error{fmt::format("line {}: {} given twice", line_no, key)};
      slot = value;
      return ok_status();
    };
    Status st = ok_status();
    if (key == "version") st = once(version);
    else if (key == "mode") st = once(mode);
    else if (key == "max_age") st = once(max_age);
    else if (key == "mx") {
      std::string_view host = value.substr(0, 2) == "*." ? value.substr(2) : value;
      if (!valid_domain(strip_dot(host)))
        return Error{fmt::format("line {}: bad mx pattern {}", line_no, printable(value, 80))};
      p.mx.push_back(lower(strip_dot(value)));
    } else if (!valid_ext_name(key)) {
      return Error{fmt::format("line {}: bad field name {}", line_no, printable(key, 80))};
    }
    if (!st) return st.error();
  }
  if (!version) return Error{"no version field"};
  if (*version != "STSv1") return Error{fmt::format("unknown version {}", printable(*version, 40))};
  if (!mode) return Error{"no mode field"};
  if (*mode == "enforce") p.mode = Mode::enforce;
  else if (*mode == "testing") p.mode = Mode::testing;
  else if (*mode == "none") p.mode = Mode::none;
  else return Error{fmt::format("unknown mode {}", printable(*mode, 40))};
  if (!max_age) return Error{"no max_age field"};
  if (max_age->empty() || max_age->size() > 10) return Error{"max_age must be 1 to 10 digits"};
  long long secs = 0;
  for (char c : *max_age) {
    if (c < '0' || c > '9') return Error{"max_age must be 1 to 10 digits"};
    secs = secs * 10 + (c - '0');
  }
  // Longer than a year is not allowed; clamping keeps the policy (the safer reading).
  p.max_age = std::min(std::chrono::seconds(secs), kMaxAgeLimit);
  if (p.mode != Mode::none && p.mx.empty()) return Error{"no mx field"};
  return p;
}

bool mx_pattern_matches(std::string_view pattern, std::string_view host) {
  host = strip_dot(host);
  pattern = strip_dot(pattern);
  if (pattern.substr(0, 2) != "*.") return iequals(pattern, host);
  std::string_view domain = pattern.substr(1);  // ".example.net"
  if (host.size() <= domain.size()) return false;
  std::string_view label = host.substr(0, host.size() - domain.size());
  return label.find('.') == std::string_view::npos &&
         iequals(host.substr(label.size()), domain);
}

bool mx_allowed(const Policy& p, std::string_view host) {
  for (const auto& pat : p.mx)
    if (mx_pattern_matches(pat, host)) return true;
  return false;
}

std::string format_policy(const Policy& p) {
  std::string out = fmt::format("version: STSv1\r\nmode: {}\r\n", mode_name(p.mode));
  for (const auto& m : p.mx) out += fmt::format("mx: {}\r\n", m);
  out += fmt::format("max_age: {}\r\n", p.max_age.count());
  return out;
}

}  // namespace tern::sts
