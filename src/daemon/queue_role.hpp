// The queue role: owns the spool. It accepts messages from smtpd over its Unix socket,
// runs cleanup, makes them durable in batches (group commit) and only then answers,
// schedules deliveries, records every recipient's outcome, and retries deferred mail.
// Local (Maildir) delivery runs here on a worker pool until the delivery role exists.
//
// SECURITY: runs as mail_owner, never chrooted (it needs the spool and the mailboxes).
// It trusts nothing smtpd sends: a malformed record is fatal to this role and the master
// restarts it; message content is only parsed by cleanup's header scan.
#pragma once
#include <memory>
#include <string>

#include "config/config.hpp"

namespace tern::daemon {

// The queue socket, relative to queue_directory (Postfix keeps private sockets there).
inline constexpr const char* kQueueSocket = "private/queue";

// Runs until SIGTERM; SIGHUP re-reads the configuration from `config_dir`.
// `privileged_fd`: this role's end of the master's socketpair to the privileged delivery
// helper (root only), or -1: agents then deliver with this role's own uid.
int run_queue(std::shared_ptr<const config::Config> cfg, int privileged_fd = -1);

}  // namespace tern::daemon
