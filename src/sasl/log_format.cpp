// AUTH log text; see log_format.hpp.
#include "sasl/log_format.hpp"

namespace tern::sasl {

std::string client_namaddr(std::string_view name, std::string_view addr) {
  return (name.empty() ? std::string("unknown") : printable(name, 255)) + "[" + printable(addr, 64) + "]";
}

std::string sasl_log_fields(std::string_view method, std::string_view username) {
  return "sasl_method=" + printable(method) + ", sasl_username=" + printable(username);
}

std::string client_log_suffix(std::string_view method, std::string_view username) {
  if (method.empty()) return {};
  return ", " + sasl_log_fields(method, username);
}

std::string auth_failed_text(std::string_view namaddr, std::string_view method,
                             const AuthResult& r) {
  std::string reason = r.reason.empty() ? "(reason unavailable)" : printable(r.reason);
  std::string user = r.username.empty() ? "(unavailable)" : printable(r.username);
  return std::string(namaddr) + ": SASL " + printable(method) + " authentication failed: " + reason +
         ", sasl_username=" + user;
}

std::string auth_aborted_text(std::string_view namaddr, std::string_view method) {
  return std::string(namaddr) + ": SASL " + printable(method) + " authentication aborted";
}

}  // namespace tern::sasl
