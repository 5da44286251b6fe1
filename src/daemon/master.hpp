// The master: reads the configuration, binds master.cf's inet smtpd services, starts the
// queue and smtpd roles and restarts any that dies. SIGHUP reloads (a broken
// configuration keeps the old one running); SIGTERM/SIGINT stop everything in order.
//
// SECURITY: the only part that may run as root. It binds the ports and hands the sockets
// to the roles, which drop to mail_owner before touching any input.
#pragma once
#include <string>

namespace tern::daemon {

struct MasterOptions {
  std::string config_dir;
  bool check_only = false;  // -n: check the configuration and exit
};

int run_master(const MasterOptions& opt);

}  // namespace tern::daemon
