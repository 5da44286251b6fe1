// A check_policy_service argument from main.cf ("inet:host:port", "unix:path",
// "{ inet:host:port, timeout=10s, ... }"): whatever the text, parsing ends in settings or
// a configuration error naming check_policy_service, and settings it accepts are sane.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.hpp"
#include "policy/policy_service_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const tern::config::Params params = [] {
    auto p = tern::config::build_params({}, {}, "/etc/tern");
    if (!p.ok()) __builtin_trap();
    return *p;
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto s = tern::policy::parse_policy_service_spec(in, params);
  if (!s.ok()) {
    if (s.error().message.find("check_policy_service") != 0) __builtin_trap();
    return 0;
  }
  if (s->name.empty() || s->try_limit < 1 || s->request_limit < 0 || s->default_action.empty()) __builtin_trap();
  if (s->timeout.count() < 1000 || s->max_idle.count() < 1000 || s->max_ttl.count() < 1000 ||
      s->retry_delay.count() < 1000)
    __builtin_trap();
  if (s->kind == tern::policy::PolicyServiceSettings::Kind::inet && (s->host.empty() || s->port.empty()))
    __builtin_trap();
  if (s->kind == tern::policy::PolicyServiceSettings::Kind::unix_socket && s->path.empty()) __builtin_trap();
  return 0;
}
