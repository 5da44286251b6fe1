// The privileged delivery helper: the only role besides the master that stays root. It
// writes mailboxes, runs commands and reads .forward files with a recipient's uid for
// the queue role's delivery agents (the client is delivery/privileged.hpp).
// See privileged_role.cpp for its SECURITY paragraph.
#pragma once
#include <memory>

#include "config/config.hpp"

namespace tern::daemon {

// Serves requests arriving on `control` (the helper's end of the socketpair the master
// made) until the master goes away or SIGTERM. Never returns with privileges given up.
int run_privileged(std::shared_ptr<const config::Config> cfg, int control);

}  // namespace tern::daemon
