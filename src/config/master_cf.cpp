// master.cf parsing; see master_cf.hpp.
#include "config/master_cf.hpp"

#include <cctype>

#include "base/strings.hpp"

namespace tern::config {

namespace {

// Splits a logical line into fields: whitespace separated, "{ ... }" is one field
// (braces kept, so "-o { a = b }" can be recognized).
Result<std::vector<std::string>> fields(std::string_view s, const std::string& where) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    size_t start = i;
    if (s[i] == '{') {
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '{') ++depth;
        else if (s[i] == '}' && --depth == 0) break;
      }
      if (i >= s.size()) return Error{where + "missing '}'"};
      ++i;
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    }
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

bool is_yn(std::string_view v) { return v == "y" || v == "n" || v == "-"; }

bool is_count(std::string_view v, bool allow_query) {
  if (v == "-") return true;
  if (allow_query && !v.empty() && v.back() == '?') v.remove_suffix(1);
  return !v.empty() && parse_int(v).has_value() && *parse_int(v) >= 0;
}

Result<std::pair<std::string, std::string>> override_of(std::string_view arg,
                                                        const std::string& where) {
  std::string_view body = arg;
  if (body.size() >= 2 && body.front() == '{') body = body.substr(1, body.size() - 2);
  auto eq = body.find('=');
  if (eq == std::string_view::npos)
    return Error{where + "-o option without '=': \"" + printable(arg, 80) + "\""};
  std::string name(trim(body.substr(0, eq)));
  std::string value(trim(body.substr(eq + 1)));
  if (name.empty()) return Error{where + "-o option with empty name"};
  return std::pair{name, value};
}

Result<MasterEntry> entry_of(const std::vector<std::string>& f, const std::string& file,
                             int line) {
  std::string where = file + ":" + std::to_string(line) + ": ";
  if (f.size() < 8)
    return Error{where + "syntax error: expected 8 fields (service type private unpriv chroot "
                         "wakeup maxproc command), found " + std::to_string(f.size())};
  MasterEntry e;
  e.service = f[0];
  e.type = f[1];
  e.private_ = f[2];
  e.unpriv = f[3];
  e.chroot = f[4];
  e.wakeup = f[5];
  e.maxproc = f[6];
  e.command = f[7];
  e.file = file;
  e.line = line;
  static const std::string_view kTypes[] = {"inet", "unix", "unix-dgram", "fifo", "pass"};
  bool known = false;
  for (auto t : kTypes) known |= (e.type == t);
  if (!known) return Error{where + "unknown service type \"" + printable(e.type, 40) + "\""};
  if (!is_yn(e.private_) || !is_yn(e.unpriv) || !is_yn(e.chroot))
    return Error{where + "private, unpriv and chroot fields must be y, n or -"};
  if (!is_count(e.wakeup, true)) return Error{where + "bad wakeup time \"" + e.wakeup + "\""};
  if (!is_count(e.maxproc, false)) return Error{where + "bad process limit \"" + e.maxproc + "\""};
  for (size_t i = 8; i < f.size(); ++i) {
    if (f[i] == "-o") {
      if (i + 1 >= f.size()) return Error{where + "-o without a value"};
      auto o = override_of(f[++i], where);
      if (!o) return o.error();
      e.overrides.push_back(*o);
    } else if (f[i].size() > 2 && f[i].rfind("-o", 0) == 0) {
      auto o = override_of(std::string_view(f[i]).substr(2), where);
      if (!o) return o.error();
      e.overrides.push_back(*o);
    } else {
      std::string_view a = f[i];
      if (a.size() >= 2 && a.front() == '{') a = trim(a.substr(1, a.size() - 2));
      e.args.emplace_back(a);
    }
  }
  return e;
}

}  // namespace

std::string MasterEntry::format() const {
  return service + " " + type + " " + private_ + " " + unpriv + " " + chroot + " " + wakeup + " " +
         maxproc + " " + command + format_tail();
}

std::string MasterEntry::format_tail() const {
  std::string s;
  for (const auto& [n, v] : overrides) {
    bool spaces = v.find_first_of(" \t") != std::string::npos;
    s += spaces ? " -o { " + n + " = " + v + " }" : " -o " + n + "=" + v;
  }
  for (const auto& a : args) s += a.find(' ') != std::string::npos ? " { " + a + " }" : " " + a;
  return s;
}

Result<std::vector<MasterEntry>> parse_master_cf(std::string_view text, const std::string& file) {
  std::vector<MasterEntry> out;
  std::string logical;
  int first = 0;
  auto flush = [&]() -> Status {
    if (logical.empty()) return ok_status();
    auto f = fields(logical, file + ":" + std::to_string(first) + ": ");
    if (!f) return f.error();
    auto e = entry_of(*f, file, first);
    if (!e) return e.error();
    out.push_back(std::move(*e));
    logical.clear();
    return ok_status();
  };
  int lineno = 0;
  size_t i = 0;
  while (i <= text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(i, nl - i);
    i = nl + 1;
    ++lineno;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    auto t = trim(l);
    if (t.empty() || t.front() == '#') continue;
    if (l.front() == ' ' || l.front() == '\t') {
      if (logical.empty())
        return Error{file + ":" + std::to_string(lineno) +
                     ": syntax error: continuation line without a service before it"};
      logical += ' ';
      logical += t;
      continue;
    }
    if (auto s = flush(); !s) return s.error();
    logical = std::string(t);
    first = lineno;
  }
  if (auto s = flush(); !s) return s.error();
  return out;
}

}  // namespace tern::config
