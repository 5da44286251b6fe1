// The smtpd role: accepts on the listening sockets the master bound for master.cf's
// smtpd services and runs a Session coroutine per connection, all on one io_context.
//
// SECURITY: this is the code that parses the internet. It runs as mail_owner (and
// chrooted when master.cf says so) with no access to the spool: its only way to the
// queue is the queue role's socket, which checks every record. It holds no signing keys.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "base/result.hpp"
#include "config/config.hpp"

namespace tern::server {

struct Listener {
  int fd = -1;
  size_t service = 0;  // index into Config::services
};

struct SmtpdContext;
class QueueClient;
using Contexts = std::vector<std::shared_ptr<const SmtpdContext>>;

// The role's event loop and each listener's session context, built before privileges are
// dropped (TLS keys, the passwd database and SASL password files may be root's).
// The queue link is made here too (it connects at first use, to `queue_socket` as seen
// after the chroot): the address verifier delegates ask the queue role over it.
struct PreparedSmtpd {
  std::shared_ptr<asio::io_context> io;
  Contexts contexts;
  std::shared_ptr<QueueClient> queue;
};
Result<PreparedSmtpd> prepare_smtpd(std::shared_ptr<const config::Config> cfg,
                                    const std::vector<Listener>& listeners, const std::string& queue_socket);

// Runs until SIGTERM (stop now) or SIGUSR1 (stop accepting, finish sessions, then exit).
int run_smtpd(std::shared_ptr<const config::Config> cfg, const std::vector<Listener>& listeners,
              PreparedSmtpd prepared);

}  // namespace tern::server
