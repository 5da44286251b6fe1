// Parsing a check_policy_service argument; see policy_service_spec.hpp.
#include "policy/policy_service_spec.hpp"

#include <cctype>

#include "base/strings.hpp"

namespace tern::policy {

namespace {

using std::chrono::milliseconds;

Error bad(std::string_view spec, const std::string& why) {
  return Error{"check_policy_service \"" + printable(spec, 120) + "\": " + why};
}

// A main.cf time value: digits and an optional unit s, m, h, d or w (seconds by default).
bool parse_time(std::string_view v, milliseconds& out) {
  long long mult = 1;
  if (!v.empty() && std::isalpha(static_cast<unsigned char>(v.back()))) {
    char u = v.back();
    mult = u == 's' ? 1 : u == 'm' ? 60 : u == 'h' ? 3600 : u == 'd' ? 86400 : u == 'w' ? 604800 : 0;
    v.remove_suffix(1);
  }
  auto n = parse_int(v);
  if (mult == 0 || !n || *n < 1 || *n > 100LL * 365 * 86400 / mult) return false;
  out = std::chrono::seconds(*n * mult);
  return true;
}

Status parse_endpoint(std::string_view spec, std::string_view ep, const config::Params& params,
                      PolicyServiceSettings& s) {
  s.name = std::string(ep);
  if (ep.starts_with("unix:")) {
    std::string_view path = ep.substr(5);
    if (path.empty()) return bad(spec, "empty unix: socket path");
    s.kind = PolicyServiceSettings::Kind::unix_socket;
    s.path = path.starts_with('/') ? std::string(path) : params.queue_directory + "/" + std::string(path);
    return ok_status();
  }
  if (!ep.starts_with("inet:"))
    return bad(spec, "expected inet:host:port or unix:/path, not \"" + printable(ep, 80) + "\"");
  std::string_view rest = ep.substr(5);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad(spec, "inet: endpoint needs host:port");
  std::string_view host = rest.substr(0, colon), port = rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos) return bad(spec, "an IPv6 host needs brackets: inet:[addr]:port");
  auto p = parse_int(port);
  if (!p || *p < 1 || *p > 65535 || port.find_first_not_of("0123456789") != std::string_view::npos)
    return bad(spec, "bad port \"" + printable(port, 20) + "\"");
  if (host.empty()) return bad(spec, "empty host");
  s.host = std::string(host);
  s.port = std::string(port);
  return ok_status();
}

Status apply_setting(std::string_view spec, std::string_view item, PolicyServiceSettings& s) {
  size_t eq = item.find('=');
  if (eq == std::string_view::npos) return bad(spec, "expected name=value, not \"" + printable(item, 80) + "\"");
  std::string_view name = trim(item.substr(0, eq)), value = trim(item.substr(eq + 1));
  auto time_setting = [&](milliseconds& out) -> Status {
    if (!parse_time(value, out))
      return bad(spec, "bad " + std::string(name) + " value \"" + printable(value, 40) + "\": expected a time such as 10s");
    return ok_status();
  };
  if (name == "timeout") return time_setting(s.timeout);
  if (name == "max_idle") return time_setting(s.max_idle);
  if (name == "max_ttl") return time_setting(s.max_ttl);
  if (name == "retry_delay") return time_setting(s.retry_delay);
  if (name == "try_limit" || name == "request_limit") {
    auto n = parse_int(value);
    long long min = name == "try_limit" ? 1 : 0;
    if (!n || *n < min || *n > 1000000)
      return bad(spec, "bad " + std::string(name) + " value \"" + printable(value, 40) + "\": expected an integer >= " + std::to_string(min));
    (name == "try_limit" ? s.try_limit : s.request_limit) = *n;
    return ok_status();
  }
  if (name == "default_action") {
    if (value.empty()) return bad(spec, "empty default_action");
    s.default_action = std::string(value);
    return ok_status();
  }
  if (name == "policy_context") {
    s.policy_context = std::string(value);
    return ok_status();
  }
  return bad(spec, "unknown setting \"" + printable(name, 40) + "\"");
}

}  // namespace

Result<PolicyServiceSettings> parse_policy_service_spec(std::string_view spec, const config::Params& params) {
  PolicyServiceSettings s;
  s.timeout = params.smtpd_policy_service_timeout;
  s.default_action = params.smtpd_policy_service_default_action;
  s.max_idle = params.smtpd_policy_service_max_idle;
  s.max_ttl = params.smtpd_policy_service_max_ttl;
  s.try_limit = params.smtpd_policy_service_try_limit;
  s.request_limit = params.smtpd_policy_service_request_limit;
  s.retry_delay = params.smtpd_policy_service_retry_delay;
  s.policy_context = params.smtpd_policy_service_policy_context;

  std::string_view body = trim(spec);
  if (body.starts_with('{')) {
    if (!body.ends_with('}') || body.size() < 2) return bad(spec, "missing closing \"}\"");
    body = trim(body.substr(1, body.size() - 2));
  } else if (body.ends_with('}')) {
    return bad(spec, "missing opening \"{\"");
  }
  if (body.find_first_of("{}") != std::string_view::npos) {
    // Braces inside group one name = value pair; they must balance.
    int depth = 0;
    for (char c : body) {
      depth += c == '{' ? 1 : c == '}' ? -1 : 0;
      if (depth < 0 || depth > 1) return bad(spec, "unbalanced or nested braces");
    }
    if (depth != 0) return bad(spec, "unbalanced braces");
  }
  std::vector<std::string> items = split_list(body);
  if (items.empty()) return bad(spec, "no policy server given");
  if (auto st = parse_endpoint(spec, items[0], params, s); !st) return st.error();
  for (size_t i = 1; i < items.size(); ++i)
    if (auto st = apply_setting(spec, items[i], s); !st) return st.error();
  return s;
}

}  // namespace tern::policy
