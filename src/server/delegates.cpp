// The delegate registry; see delegates.hpp. Each delegate kind adds itself here when it
// lands (registry.add("check_policy_service", ...)); a word whose kind is missing is a
// configuration error rather than a silent pass.
#include "server/delegates.hpp"

#include "policy/unverified.hpp"
#include "server/queue_client.hpp"

namespace tern::server {

policy::DelegateRegistry smtpd_delegates(const config::Config& cfg, asio::io_context* io, QueueClient* queue) {
  policy::DelegateRegistry registry;
  // reject_unverified_recipient / _sender: the queue role's address verification service.
  for (bool sender : {false, true}) {
    auto settings = policy::UnverifiedSettings::from(cfg.params, sender);
    registry.add(sender ? "reject_unverified_sender" : "reject_unverified_recipient",
                 [settings, io, queue](std::string_view, std::string_view) -> Result<std::shared_ptr<policy::Delegate>> {
                   auto s = settings;
                   if (!s) return s.error();
                   if (!io || !queue) return std::shared_ptr<policy::Delegate>();  // a configuration check
                   policy::VerifyQuery q = [queue](std::string address) { return queue->verify(std::move(address)); };
                   return std::shared_ptr<policy::Delegate>(policy::make_address_verifier(std::move(*s), *io, std::move(q)));
                 });
  }
  return registry;
}

}  // namespace tern::server
