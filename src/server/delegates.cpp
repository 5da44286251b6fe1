// The delegate registry; see delegates.hpp. Each delegate kind adds itself here when it
// lands (registry.add("check_policy_service", ...)); none is registered yet, so their
// words are configuration errors rather than silent passes.
#include "server/delegates.hpp"

namespace tern::server {

policy::DelegateRegistry smtpd_delegates(const config::Config&, asio::io_context*) {
  policy::DelegateRegistry registry;
  return registry;
}

}  // namespace tern::server
