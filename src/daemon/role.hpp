// The one place where a role process becomes what it runs as: after fork, it ties its
// life to the master's, resets signals, optionally chroots, and (when started as root)
// drops to mail_owner with no supplementary groups and no_new_privs.
#pragma once
#include <sys/types.h>

#include <string>

#include "base/result.hpp"
#include "config/params.hpp"

namespace tern::daemon {

struct Identity {
  bool drop = false;  // started as root: switch to uid/gid
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;
};

// As root, mail_owner must exist and must not be root; otherwise no change of identity.
Result<Identity> resolve_identity(const config::Params& p);

// Called first thing in a forked child. `chroot_dir` empty = no chroot.
// Leaves SIGHUP, SIGTERM and SIGUSR1 blocked: call role_signals_ready() once the role's
// handlers for them are installed (threads started before then keep them blocked, so the
// signals reach the role's main thread).
void enter_role(pid_t master, const Identity& id, const std::string& chroot_dir);
void role_signals_ready();

}  // namespace tern::daemon
