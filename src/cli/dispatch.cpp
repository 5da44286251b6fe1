// argv[0] dispatch: `tern SUB …` or a Postfix command name (a link to tern).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "base/file.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"

namespace tern::cli {

namespace {

struct Entry {
  std::string_view name;
  int (*main)(int, char**);
  std::string_view help;
};

constexpr Entry kCompat[] = {
    {"postconf", postconf_main, ""},   {"postqueue", postqueue_main, ""},
    {"mailq", mailq_main, ""},         {"sendmail", sendmail_main, ""},
    {"newaliases", newaliases_main, ""}, {"postsuper", postsuper_main, ""},
    {"postmap", postmap_main, ""},     {"postalias", postalias_main, ""},
    {"qshape", qshape_main, ""},
};

constexpr Entry kSub[] = {
    {"conf", postconf_main, "print or edit the configuration (postconf)"},
    {"queue", postqueue_main, "list the queue or flush it (postqueue -p|-j|-f|-i|-s)"},
    {"super", postsuper_main, "delete, hold, release, requeue, expire mail (postsuper)"},
    {"send", sendmail_main, "submit a message from stdin (sendmail)"},
    {"shape", qshape_main, "queue age by domain (qshape)"},
    {"map", postmap_main, "build or query lookup tables (postmap)"},
    {"alias", postalias_main, "build or query alias databases (postalias)"},
    {"newaliases", newaliases_main, "rebuild every alias_database (newaliases)"},
    {"reload", reload_main, "make the running ternd re-read its configuration"},
    {"route", route_main, "show how an address is rewritten and routed, step by step"},
    {"verify", verify_main, "address verification: probe addresses through ternd and print the results"},
    {"dns", dns_main, "look a name up through Tern's resolver (outcome, DNSSEC status, records)"},
    {"check", check_main, "authentication checks by hand (check spf IP MAIL-FROM HELO, check dkim < message, check dmarc IP MAIL-FROM HELO < message, check tls DOMAIN)"},
    {"dkim", dkim_main, "make a DKIM key pair and its DNS record (dkim keygen)"},
    {"dane", dane_main, "print the TLSA record for a certificate (dane tlsa CERT.pem)"},
    {"dmarc", dmarc_main, "write DMARC aggregate reports (RFC 9990) from stored results"},
    {"policy", policy_main, "ask a policy server as check_policy_service would (policy query SPEC [name=value ...])"},
    {"tls-report", tls_report_main, "write the daily TLS-RPT (RFC 8460) reports from tlsrpt_database"},
    {"greylist", greylist_main, "the greylist: list, purge, whitelist-check IP NAME RCPT, ask NAME=VALUE..."},
};

int usage() {
  std::fprintf(stderr, "usage: tern COMMAND [options]\n\ncommands:\n");
  for (const auto& e : kSub) std::fprintf(stderr, "  %-10s %s\n", e.name.data(), e.help.data());
  std::fprintf(stderr, "\nUnder their Postfix names (links to tern): postconf, postqueue, mailq, ...\n");
  return 64;
}

}  // namespace

int reload_main(int argc, char** argv) {
  std::string dir;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "c:")) != -1)
    if (c == 'c') dir = optarg;
    else return usage();
  auto cfg = config::load({config::default_directory(dir), false});
  if (!cfg) {
    std::fprintf(stderr, "tern reload: fatal: %s\n", cfg.error().message.c_str());
    return 1;
  }
  std::string pidfile = (*cfg)->params.queue_directory + "/pid/master.pid";
  auto text = read_file(pidfile);
  long pid = text ? std::strtol(text->c_str(), nullptr, 10) : 0;
  if (pid <= 1 || ::kill(pid_t(pid), SIGHUP) != 0) {
    std::fprintf(stderr, "tern reload: fatal: the Tern mail system is not running (%s)\n", pidfile.c_str());
    return 1;
  }
  std::fprintf(stderr, "tern reload: refreshing the Tern mail system\n");
  return 0;
}

int dispatch(int argc, char** argv) {
  std::string_view self = argv[0];
  if (auto slash = self.rfind('/'); slash != std::string_view::npos) self = self.substr(slash + 1);
  for (const auto& e : kCompat)
    if (self == e.name) return e.main(argc, argv);
  if (argc < 2) return usage();
  for (const auto& e : kSub)
    if (e.name == argv[1]) return e.main(argc - 1, argv + 1);
  std::fprintf(stderr, "tern: unknown command \"%s\"\n", argv[1]);
  return usage();
}

}  // namespace tern::cli
