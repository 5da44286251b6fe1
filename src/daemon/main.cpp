// ternd: the Tern mail daemon. Runs in the foreground (as systemd expects) until
// SIGTERM or Ctrl-C; SIGHUP reloads the configuration.
//   ternd [-c config_dir] [-n]
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "config/config.hpp"
#include "daemon/master.hpp"

namespace {
void usage() {
  std::fprintf(stderr,
               "usage: ternd [-c config_dir] [-n]\n"
               "  -c dir  configuration directory (default $MAIL_CONFIG, else /etc/tern)\n"
               "  -n      check the configuration and exit (status 0 when it is valid)\n");
}
}  // namespace

int main(int argc, char** argv) {
  tern::daemon::MasterOptions opt;
  std::string dir;
  int c;
  while ((c = ::getopt(argc, argv, "c:nh")) != -1) {
    switch (c) {
      case 'c': dir = optarg; break;
      case 'n': opt.check_only = true; break;
      default: usage(); return c == 'h' ? 0 : 64;
    }
  }
  if (optind != argc) {
    usage();
    return 64;
  }
  opt.config_dir = tern::config::default_directory(dir);
  return tern::daemon::run_master(opt);
}
