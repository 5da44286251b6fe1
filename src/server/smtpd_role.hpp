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

#include "config/config.hpp"

namespace tern::server {

struct Listener {
  int fd = -1;
  size_t service = 0;  // index into Config::services
};

// Runs until SIGTERM (stop now) or SIGUSR1 (stop accepting, finish sessions, then exit).
int run_smtpd(std::shared_ptr<const config::Config> cfg, const std::vector<Listener>& listeners,
              const std::string& queue_socket);

}  // namespace tern::server
