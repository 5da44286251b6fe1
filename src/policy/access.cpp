// access(5) keys and answers; see access.hpp.
#include "policy/access.hpp"

#include <cctype>

#include "base/net.hpp"
#include "base/strings.hpp"
#include "smtp/address.hpp"

namespace tern::policy {

std::vector<std::string> domain_keys(std::string_view domain) {
  std::vector<std::string> keys;
  std::string d = lower(domain);
  while (!d.empty() && d.back() == '.') d.pop_back();
  if (d.empty()) return keys;
  keys.push_back(d);
  for (size_t dot = d.find('.'); dot != std::string::npos; dot = d.find('.', dot + 1))
    keys.push_back(d.substr(dot + 1));  // parent domains (smtpd_access_maps matches them)
  return keys;
}

std::vector<std::string> address_keys(std::string_view addr, std::string_view delimiters) {
  std::vector<std::string> keys;
  auto parts = smtp::split_address(addr);
  std::string local = lower(parts.local);
  auto ext = smtp::split_extension(parts.local, delimiters);
  bool has_ext = !ext.ext.empty() || ext.delim;
  std::string domain = lower(parts.domain);
  if (!domain.empty()) {
    keys.push_back(local + "@" + domain);
    if (has_ext) keys.push_back(lower(ext.base) + "@" + domain);
    for (auto& k : domain_keys(domain)) keys.push_back(std::move(k));
  }
  keys.push_back(local + "@");
  if (has_ext) keys.push_back(lower(ext.base) + "@");
  return keys;
}

std::vector<std::string> client_keys(std::string_view name, std::string_view addr) {
  std::vector<std::string> keys;
  if (!name.empty() && name != "unknown") keys = domain_keys(name);
  std::string a(addr);
  keys.push_back(a);
  // Shorter network prefixes: 1.2.3.4 → 1.2.3 → 1.2 → 1 (v6: by ':' groups).
  char sep = a.find(':') != std::string::npos ? ':' : '.';
  for (size_t pos = a.rfind(sep); pos != std::string::npos && pos > 0; pos = a.rfind(sep, pos - 1)) {
    keys.push_back(a.substr(0, pos));
    if (pos == 0) break;
  }
  return keys;
}

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// "5.7.1 text" → status "5.7.1", text "text" (RFC 3463: class.subject.detail).
void split_status(AccessAnswer& a) {
  std::string_view t = a.text;
  size_t end = t.find(' ');
  std::string_view first = t.substr(0, end);
  auto parts = split_any(first, ".");
  if (parts.size() != 3 || first.find("..") != std::string_view::npos || first.back() == '.') return;
  if (parts[0].size() != 1 || (parts[0][0] != '2' && parts[0][0] != '4' && parts[0][0] != '5')) return;
  for (size_t i = 1; i < parts.size(); ++i)
    if (!all_digits(parts[i]) || parts[i].size() > 3) return;
  a.status = std::string(first);
  a.text = end == std::string_view::npos ? "" : std::string(trim(t.substr(end)));
}

// A header as PREPEND needs it: a name of printable characters but ':', then ':'.
bool header_line(std::string_view h) {
  size_t colon = h.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (char c : h.substr(0, colon))
    if (c <= ' ' || c > '~') return false;
  for (char c : h)
    if (c == '\n' || c == '\r') return false;
  return true;
}

struct Action {
  std::string_view name;
  AccessKind kind;
};
constexpr Action kActions[] = {
    {"ok", AccessKind::permit},         {"permit", AccessKind::permit},
    {"dunno", AccessKind::dunno},       {"reject", AccessKind::reject},
    {"defer", AccessKind::defer},       {"defer_if_reject", AccessKind::defer_if_reject},
    {"defer_if_permit", AccessKind::defer_if_permit},
    {"bcc", AccessKind::bcc},           {"discard", AccessKind::discard},
    {"filter", AccessKind::filter},     {"hold", AccessKind::hold},
    {"prepend", AccessKind::prepend},   {"redirect", AccessKind::redirect},
    {"info", AccessKind::info},         {"warn", AccessKind::warn},
};

}  // namespace

Result<AccessAnswer> parse_access_answer(std::string_view value) {
  std::string_view v = trim(value);
  if (v.empty()) return Error{"empty access table answer"};
  size_t sp = v.find_first_of(" \t");
  std::string_view head = v.substr(0, sp);
  AccessAnswer a;
  a.text = sp == std::string_view::npos ? "" : std::string(trim(v.substr(sp)));
  if (all_digits(head)) {
    if (head.size() != 3 || (head[0] != '4' && head[0] != '5')) {
      a.kind = AccessKind::permit;  // access(5): an all-numerical answer is OK
      if (a.text.empty()) return a;
      return Error{"\"" + printable(v, 80) + "\": a reply code must be 4NN or 5NN"};
    }
    a.kind = head[0] == '4' ? AccessKind::defer : AccessKind::reject;
    a.code = (head[0] - '0') * 100 + (head[1] - '0') * 10 + (head[2] - '0');
    split_status(a);
    if (!a.status.empty() && a.status[0] != head[0])
      return Error{"\"" + printable(v, 80) + "\": enhanced status " + a.status + " contradicts reply code " +
                   std::string(head)};
    return a;
  }
  const Action* found = nullptr;
  for (const auto& k : kActions)
    if (iequals(head, k.name)) found = &k;
  if (!found) {  // restriction words or a class name (checked when evaluated)
    a.kind = AccessKind::restrictions;
    a.text = std::string(v);
    return a;
  }
  a.kind = found->kind;
  auto need = [&](std::string_view what) -> Result<AccessAnswer> {
    return Error{"\"" + printable(v, 80) + "\": " + lower(head) + " needs " + std::string(what)};
  };
  switch (a.kind) {
    case AccessKind::reject:
    case AccessKind::defer:
    case AccessKind::defer_if_reject:
    case AccessKind::defer_if_permit:
      split_status(a);
      if (!a.status.empty() && a.status[0] != (a.kind == AccessKind::reject ? '5' : '4'))
        return Error{"\"" + printable(v, 80) + "\": enhanced status " + a.status + " is not " +
                     (a.kind == AccessKind::reject ? "5" : "4") + ".X.X"};
      break;
    case AccessKind::bcc:
    case AccessKind::redirect:
      if (a.text.find('@') == std::string::npos || a.text.find_first_of(" \t<>") != std::string::npos)
        return need("one user@domain address");
      break;
    case AccessKind::filter: {
      size_t colon = a.text.find(':');
      if (colon == 0 || colon == std::string::npos) return need("transport:destination");
      break;
    }
    case AccessKind::prepend:
      if (!header_line(a.text)) return need("a header (name: value)");
      break;
    default: break;
  }
  return a;
}

}  // namespace tern::policy
