// The milter parameters of one service, parsed once when the configuration is loaded:
// the endpoints (inet:host:port with a literal address or an /etc/hosts name, unix:/path),
// milter_default_action, milter_protocol, the three timeouts, the macro lists per stage
// and milter_macro_defaults. Sessions only read the result.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/net.hpp"
#include "base/result.hpp"
#include "config/params.hpp"
#include "milter/protocol.hpp"

namespace tern::milter {

struct Endpoint {
  std::string spec;   // as configured, for the logs ("inet:127.0.0.1:8891")
  bool local = false; // unix:path
  std::string path;   // the socket path (local)
  IpAddress address;  // inet
  uint16_t port = 0;
};

// milter_default_action: what a failed milter (unreachable, timed out, malformed reply) does.
enum class DefaultAction { accept, reject, tempfail, quarantine };

struct Settings {
  std::vector<Endpoint> milters;  // in the order they are applied
  DefaultAction default_action = DefaultAction::tempfail;
  uint32_t version = 6;
  std::chrono::seconds connect_timeout{30}, command_timeout{30}, content_timeout{300};
  std::array<std::vector<std::string>, kMacroStages> macros;  // by MacroStage
  std::vector<std::string> unknown_macros;                    // milter_unknown_command_macros
  Macros macro_defaults;  // name → value when the session has none
  std::string daemon_name;  // {daemon_name}
  std::string v;            // v
};

// One endpoint; `hosts` is the text of /etc/hosts (names are looked up only there).
Result<Endpoint> parse_endpoint(std::string_view spec, std::string_view hosts);

// `milters`: smtpd_milters (or a service's -o override). Errors name the parameter.
// `hosts_path` (/etc/hosts) is read only when an endpoint names a host.
Result<Settings> load_settings(const config::Params& p, const config::List& milters,
                               const std::string& hosts_path = "/etc/hosts");

const char* default_action_name(DefaultAction a);

}  // namespace tern::milter
