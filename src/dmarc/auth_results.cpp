#include "dmarc/auth_results.hpp"

#include <fmt/format.h>

#include <cctype>

namespace tern::dmarc {

namespace {

// RFC 2045 token characters: printable ASCII except SPACE and tspecials.
bool token_char(char c) {
  if (c <= ' ' || c >= 127) return false;
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

bool is_token(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (!token_char(c)) return false;
  return true;
}

bool atext(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool dot_atom(std::string_view v) {
  if (v.empty() || v.front() == '.' || v.back() == '.' || v.find("..") != v.npos) return false;
  for (char c : v)
    if (c != '.' && !atext(c)) return false;
  return true;
}

// An RFC 5322 quoted-string: printable ASCII between the quotes, '"' and '\\' escaped.
bool quoted_string(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return false;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    unsigned char u = static_cast<unsigned char>(v[i]);
    if (u < ' ' || u >= 127 || v[i] == '"') return false;
    if (v[i] == '\\' && ++i + 1 >= v.size()) return false;
  }
  return true;
}

bool domain_name(std::string_view v) {
  if (v.empty() || v.front() == '.' || v.back() == '.' || v.find("..") != v.npos) return false;
  for (char c : v)
    if (c != '.' && c != '-' && !std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < ' ' || u == 127) continue;  // no control characters in a header
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string comment(std::string_view text) {
  std::string out = " (";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < ' ' || u >= 127) c = '?';
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  return out + ')';
}

std::string spf_part(const SpfInput& s) {
  std::string out = fmt::format("spf={}", spf_result_name(s.result));
  if (!s.reason.empty()) out += comment(s.reason);
  if (s.helo) out += " smtp.helo=" + auth_pvalue(s.domain);
  else if (!s.mailfrom.empty()) out += " smtp.mailfrom=" + auth_pvalue(s.mailfrom);
  else if (!s.domain.empty()) out += " smtp.mailfrom=" + auth_pvalue(s.domain);
  return out;
}

std::string dkim_part(const DkimInput& d) {
  std::string out = fmt::format("dkim={}", dkim_result_name(d.result));
  if (!d.reason.empty()) out += comment(d.reason);
  if (!d.domain.empty()) out += " header.d=" + auth_pvalue(d.domain);
  if (!d.identity.empty()) out += " header.i=" + auth_pvalue(d.identity);
  if (!d.selector.empty()) out += " header.s=" + auth_pvalue(d.selector);
  return out;
}

std::string dmarc_part(const Evaluation& e) {
  std::string out = fmt::format("dmarc={}", outcome_name(e.result));
  const Verdict* v = e.decisive();
  if (!v) return out + comment(e.reason);
  if (v->record) {
    const Record& r = *v->record;
    std::string c = fmt::format("p={}", policy_name(r.p));
    if (r.sp) c += fmt::format(" sp={}", policy_name(*r.sp));
    if (r.np) c += fmt::format(" np={}", policy_name(*r.np));
    if (r.testing) c += " t=y";
    c += fmt::format(" dis={}", policy_name(v->result == Outcome::fail ? v->applied : Policy::none));
    out += comment(c);
  } else if (!v->reason.empty()) {
    out += comment(v->reason);
  }
  out += " header.from=" + auth_pvalue(v->from_domain);
  if (v->record) out += fmt::format(" policy.dmarc={}", policy_name(v->applied));
  return out;
}

}  // namespace

std::string auth_pvalue(std::string_view v) {
  if (is_token(v)) return std::string(v);
  size_t at = v.rfind('@');
  if (at != std::string_view::npos && domain_name(v.substr(at + 1)) &&
      (at == 0 || dot_atom(v.substr(0, at)) || quoted_string(v.substr(0, at))))
    return std::string(v);
  return quoted(v);
}

std::string build_auth_results(const AuthResults& r) {
  std::vector<std::string> parts;
  if (r.spf) parts.push_back(spf_part(*r.spf));
  for (const auto& d : r.dkim) parts.push_back(dkim_part(d));
  if (r.dmarc && !r.dmarc->exempt) parts.push_back(dmarc_part(*r.dmarc));
  // The authserv-id is a token or a quoted-string (RFC 8601 §2.2), never "local@domain".
  std::string id = is_token(r.authserv_id) ? r.authserv_id : quoted(r.authserv_id);
  std::string out = "Authentication-Results: " + id + ";";
  if (parts.empty()) return out + " none";
  for (size_t i = 0; i < parts.size(); ++i) out += "\n\t" + parts[i] + (i + 1 < parts.size() ? ";" : "");
  return out;
}

}  // namespace tern::dmarc
