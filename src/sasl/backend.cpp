// Back-end selection and the helpers shared by all back ends; see backend.hpp.
#include "sasl/backend.hpp"

#include <algorithm>

#include "sasl/dovecot.hpp"
#include "sasl/passwd_backend.hpp"

namespace tern::sasl {

Reply result_reply(const AuthResult& r) {
  switch (r.kind) {
    case AuthResult::Kind::ok: return make_reply(ReplyKind::success);
    case AuthResult::Kind::fail: return make_reply(ReplyKind::failed, r.reason);
    case AuthResult::Kind::tempfail: break;
  }
  return make_reply(ReplyKind::tempfail, r.reason);
}

namespace {

std::string under(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || dir.empty()) return path;
  return dir + (dir.back() == '/' ? "" : "/") + path;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

}  // namespace

Result<std::unique_ptr<Backend>> make_backend(asio::io_context& io, const config::Params& p) {
  std::string type = lower(p.smtpd_sasl_type);
  if (type == "dovecot") {
    DovecotOptions o;
    o.path = p.smtpd_sasl_path.starts_with("inet:") ? p.smtpd_sasl_path
                                                    : under(p.queue_directory, p.smtpd_sasl_path);
    o.service = p.smtpd_sasl_service.empty() ? "smtp" : p.smtpd_sasl_service;
    if (o.path.empty()) return Error{"smtpd_sasl_path: empty; name Dovecot's auth socket"};
    return std::unique_ptr<Backend>(std::make_unique<DovecotBackend>(io, std::move(o)));
  }
  if (type == "tern") {
    auto b = std::make_unique<PasswdBackend>(under(p.config_directory, p.smtpd_sasl_path));
    if (auto s = b->load(); !s) return s.error();
    return std::unique_ptr<Backend>(std::move(b));
  }
  return Error{"smtpd_sasl_type = " + p.smtpd_sasl_type +
               ": not supported by Tern (no Cyrus SASL); use \"dovecot\" (Dovecot's auth "
               "socket in smtpd_sasl_path) or \"tern\" (a file of user:crypt-hash lines in "
               "smtpd_sasl_path)"};
}

std::vector<std::string> filter_mechanisms(const std::vector<std::string>& mechs,
                                           const std::vector<std::string>& security_options,
                                           const std::vector<std::string>& mechanism_filter) {
  bool noplaintext = false, noanonymous = false;
  for (const auto& o : security_options) {
    std::string l = lower(o);
    noplaintext |= l == "noplaintext";
    noanonymous |= l == "noanonymous";
  }
  std::vector<std::string> out;
  for (const auto& m : mechs) {
    std::string u = upper(m);
    if (noplaintext && (u == "PLAIN" || u == "LOGIN")) continue;
    if (noanonymous && u == "ANONYMOUS") continue;
    bool keep = mechanism_filter.empty();
    for (const auto& f : mechanism_filter) {
      std::string l = lower(f);
      if (l == "static:rest" || l == "static:all") {
        keep = true;
        break;
      }
      bool negate = !l.empty() && l[0] == '!';
      if (upper(negate ? f.substr(1) : f) == u) {
        keep = !negate;
        break;
      }
    }
    if (keep) out.push_back(u);
  }
  return out;
}

MechanismOptions mechanism_options(const Backend& b, const config::Params& p) {
  MechanismOptions o;
  if (p.smtpd_sasl_response_limit > 0) o.response_limit = static_cast<size_t>(p.smtpd_sasl_response_limit);
  o.allow_proxy = b.allows_proxy();
  return o;
}

}  // namespace tern::sasl
