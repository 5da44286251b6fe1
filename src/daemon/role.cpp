// The shared role skeleton; see role.hpp.
#include "daemon/role.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>

#include "base/file.hpp"
#include "base/log.hpp"

namespace tern::daemon {

Result<Identity> resolve_identity(const config::Params& p) {
  Identity id;
  if (::geteuid() != 0) return id;
  passwd pw{}, *res = nullptr;
  char buf[4096];
  if (::getpwnam_r(p.mail_owner.c_str(), &pw, buf, sizeof buf, &res) != 0 || !res)
    return Error{"mail_owner \"" + p.mail_owner + "\": no such user (create it, or set mail_owner)"};
  if (res->pw_uid == 0)
    return Error{"mail_owner \"" + p.mail_owner + "\": must not be the super-user"};
  id.drop = true;
  id.uid = res->pw_uid;
  id.gid = res->pw_gid;
  id.user = p.mail_owner;
  return id;
}

void role_signals_ready() {
  sigset_t control;
  sigemptyset(&control);
  for (int s : {SIGHUP, SIGTERM, SIGUSR1}) sigaddset(&control, s);
  ::pthread_sigmask(SIG_UNBLOCK, &control, nullptr);
}

void enter_role(pid_t master, const Identity& id, const std::string& chroot_dir) {
  log::Logger log("master");
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != master) std::_Exit(0);  // the master died before we got here
  log::after_fork();
  // The master's control signals stay blocked (pending, not lost and not fatal) until the
  // role has its handlers: a reload that arrives while the role is still starting would
  // otherwise kill it (SIGHUP's default action). roles call role_signals_ready().
  sigset_t control;
  sigemptyset(&control);
  for (int s : {SIGHUP, SIGTERM, SIGUSR1}) sigaddset(&control, s);
  ::sigprocmask(SIG_SETMASK, &control, nullptr);
  std::signal(SIGINT, SIG_IGN);   // Ctrl-C reaches the master, which stops us in order
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGCHLD, SIG_DFL);
  ::tzset();                      // keep local time working after a chroot
  if (!chroot_dir.empty()) {
    if (::chroot(chroot_dir.c_str()) != 0 || ::chdir("/") != 0)
      log.fatal("chroot {}: {}", chroot_dir, errno_text(errno));
  }
  if (id.drop) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(id.gid) != 0 || ::setuid(id.uid) != 0)
      log.fatal("switch to user {}: {}", id.user, errno_text(errno));
    if (::setuid(0) == 0) log.fatal("privileges were not dropped");
  }
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

}  // namespace tern::daemon
