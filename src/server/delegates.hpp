// The policy delegates this build has, by restriction word: check_policy_service,
// check_greylist, check_reputation, reject_unverified_recipient/_sender, check_spamtrap.
// One registry serves the smtpd role (delegates on its event loop) and the startup and
// reload checks (`io` null: the factories check their arguments and may build nothing
// that runs). A word whose kind is not registered fails make_context with
// "<param>: <word> is not available in this build".
#pragma once
#include <asio/io_context.hpp>

#include "config/config.hpp"
#include "policy/restrictions.hpp"

namespace tern::server {

class QueueClient;

// `queue`: the link reject_unverified_* ask the verification service over (null with `io`).
policy::DelegateRegistry smtpd_delegates(const config::Config& cfg, asio::io_context* io,
                                         QueueClient* queue = nullptr);

}  // namespace tern::server
