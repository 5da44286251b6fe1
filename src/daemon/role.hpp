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
void enter_role(pid_t master, const Identity& id, const std::string& chroot_dir);

}  // namespace tern::daemon
