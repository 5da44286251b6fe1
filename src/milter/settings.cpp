// Milter parameters → Settings; see settings.hpp.
#include "milter/settings.hpp"

#include <fmt/format.h>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "delivery/smtp/hosts.hpp"

namespace tern::milter {

Result<Endpoint> parse_endpoint(std::string_view spec, std::string_view hosts) {
  Endpoint e;
  e.spec = std::string(spec);
  if (istarts_with(spec, "unix:")) {
    e.local = true;
    e.path = std::string(spec.substr(5));
    if (e.path.empty()) return Error{fmt::format("milter '{}': no socket path", spec)};
    return e;
  }
  if (!istarts_with(spec, "inet:"))
    return Error{fmt::format("milter '{}': expected inet:host:port or unix:pathname", spec)};
  std::string_view rest = spec.substr(5);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return Error{fmt::format("milter '{}': no port", spec)};
  std::string_view host = rest.substr(0, colon);
  auto port = parse_int(rest.substr(colon + 1));
  if (!port || *port <= 0 || *port > 65535) return Error{fmt::format("milter '{}': bad port", spec)};
  e.port = uint16_t(*port);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (auto ip = IpAddress::parse(host)) {
    e.address = *ip;
    return e;
  }
  auto found = delivery::smtp::hosts_lookup(hosts, host);
  if (found.empty())
    return Error{fmt::format("milter '{}': host '{}' is neither an address nor in /etc/hosts", spec, host)};
  e.address = found.front();
  return e;
}

Result<Settings> load_settings(const config::Params& p, const config::List& milters, const std::string& hosts_path) {
  Settings s;
  std::optional<std::string> hosts;
  for (const auto& spec : milters) {
    if (spec.starts_with("{"))
      return Error{fmt::format("smtpd_milters: per-milter settings ('{}') are not supported", spec)};
    auto e = parse_endpoint(spec, "");
    if (!e && !hosts) {
      auto text = read_file(hosts_path);
      hosts = text ? std::move(*text) : std::string();
      e = parse_endpoint(spec, *hosts);
    } else if (!e) {
      e = parse_endpoint(spec, *hosts);
    }
    if (!e) return Error{"smtpd_milters: " + e.error().message};
    s.milters.push_back(std::move(*e));
  }
  std::string action = lower(p.milter_default_action);
  if (action == "accept") s.default_action = DefaultAction::accept;
  else if (action == "reject") s.default_action = DefaultAction::reject;
  else if (action == "tempfail") s.default_action = DefaultAction::tempfail;
  else if (action == "quarantine") s.default_action = DefaultAction::quarantine;
  else return Error{fmt::format("milter_default_action: '{}' is not accept, reject, tempfail or quarantine", action)};
  auto version = parse_int(trim(p.milter_protocol));
  if (!version || *version < 2 || *version > 6)
    return Error{fmt::format("milter_protocol: '{}' is not a version from 2 to 6", p.milter_protocol)};
  s.version = uint32_t(*version);
  s.connect_timeout = p.milter_connect_timeout;
  s.command_timeout = p.milter_command_timeout;
  s.content_timeout = p.milter_content_timeout;
  s.macros[size_t(MacroStage::connect)] = p.milter_connect_macros;
  s.macros[size_t(MacroStage::helo)] = p.milter_helo_macros;
  s.macros[size_t(MacroStage::mail)] = p.milter_mail_macros;
  s.macros[size_t(MacroStage::rcpt)] = p.milter_rcpt_macros;
  s.macros[size_t(MacroStage::data)] = p.milter_data_macros;
  s.macros[size_t(MacroStage::eoh)] = p.milter_end_of_header_macros;
  s.macros[size_t(MacroStage::eom)] = p.milter_end_of_data_macros;
  s.unknown_macros = p.milter_unknown_command_macros;
  for (auto& list : s.macros)
    for (auto& name : list) name = macro_name(name);
  for (auto& name : s.unknown_macros) name = macro_name(name);
  for (const auto& d : p.milter_macro_defaults) {
    auto eq = d.find('=');
    if (eq == std::string::npos || eq == 0)
      return Error{fmt::format("milter_macro_defaults: '{}' is not name=value", d)};
    s.macro_defaults.emplace_back(macro_name(trim(d.substr(0, eq))), std::string(trim(d.substr(eq + 1))));
  }
  s.daemon_name = p.milter_macro_daemon_name;
  s.v = p.milter_macro_v;
  return s;
}

const char* default_action_name(DefaultAction a) {
  switch (a) {
    case DefaultAction::accept: return "accept";
    case DefaultAction::reject: return "reject";
    case DefaultAction::tempfail: return "tempfail";
    case DefaultAction::quarantine: return "quarantine";
  }
  return "?";
}

}  // namespace tern::milter
