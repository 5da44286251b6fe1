// `tern verify [-c DIR] [-w SECONDS] ADDRESS…` (and `sendmail -bv ADDRESS…`): address
// verification by hand. Asks the running ternd's address verification service, which
// answers from its cache or sends a probe through the real delivery path, and waits for
// the probe's result (polling once a second, up to -w seconds, default 30); prints one
// line per address:
//   bob@example.org: deliverable: 250 2.1.5 Ok
//   nobody@example.org: undeliverable: host 127.0.0.1[127.0.0.1] said: 550 5.1.1 …
// Exit status 0 when every address is deliverable, 1 when one is not, 75 (EX_TEMPFAIL)
// when a result is still pending or the daemon is not running. Unlike Postfix's
// sendmail -bv, no report is mailed: the answer is printed.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "base/strings.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "queue/control.hpp"

namespace tern::cli {

namespace {

constexpr int kExTempfail = 75;

struct Answer {
  std::string status, text;
};

Result<Answer> ask(const std::string& qdir, const std::string& address) {
  auto reply = queue::control_request(qdir, {queue::ControlVerb::verify, address});
  if (!reply) return reply.error();
  auto sp = reply->find(' ');
  return Answer{reply->substr(0, sp), sp == std::string::npos ? "" : reply->substr(sp + 1)};
}

// "ok" is printed as Postfix logs a probe's success.
const char* shown(const std::string& status) {
  if (status == "ok") return "deliverable";
  return status.c_str();
}

int usage(const char* name) {
  std::fprintf(stderr, "usage: %s [-c config_dir] [-w seconds] address...\n", name);
  return 64;
}

}  // namespace

int verify_addresses(const char* name, const std::string& dir, int wait_seconds, char** addresses, int count) {
  auto cfg = load_config(name, dir);
  if (!cfg) return 78;
  const std::string& qdir = cfg->params.queue_directory;
  int status = 0;
  for (int i = 0; i < count; ++i) {
    std::string address(trim(addresses[i]));
    if (address.size() > 2 && address.front() == '<' && address.back() == '>') address = address.substr(1, address.size() - 2);
    Result<Answer> a = ask(qdir, address);
    for (int waited = 0; a && a->status == "pending" && waited < wait_seconds; ++waited) {
      ::sleep(1);
      a = ask(qdir, address);
    }
    if (!a) {
      fatal_msg(name, address + ": " + a.error().message);
      return kExTempfail;
    }
    std::printf("%s: %s: %s\n", address.c_str(), shown(a->status), a->text.c_str());
    if (a->status == "pending") status = kExTempfail;
    else if (a->status != "ok" && status == 0) status = 1;
  }
  return status;
}

int verify_main(int argc, char** argv) {
  std::string dir;
  int wait_seconds = 30;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "c:w:")) != -1) {
    if (c == 'c') {
      dir = optarg;
    } else if (c == 'w') {
      auto n = parse_int(optarg);
      if (!n || *n < 0 || *n > 3600) return usage("tern verify");
      wait_seconds = int(*n);
    } else {
      return usage("tern verify");
    }
  }
  if (optind >= argc) return usage("tern verify");
  return verify_addresses("tern verify", dir, wait_seconds, argv + optind, argc - optind);
}

}  // namespace tern::cli
