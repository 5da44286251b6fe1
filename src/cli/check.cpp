// `tern check WHAT …`: the authentication checks an admin runs by hand, one sub-command
// each in its own file (check_spf.cpp, dkim.cpp, check_tls.cpp, check_dmarc.cpp, check_reputation.cpp). Each prints
// its result and exits 0 only on pass.
#include <cstdio>
#include <string_view>

#include "cli/commands.hpp"

namespace tern::cli {

namespace {

struct Check {
  std::string_view name;
  int (*main)(int, char**);
  std::string_view help;
};

constexpr Check kChecks[] = {
    {"spf", check_spf_main, "IP MAIL-FROM HELO: the SPF result and explanation (RFC 7208)"},
    {"tls", check_tls_main, "[-c DIR] [-p PORT] DOMAIN: MX hosts, TLSA records, DNSSEC status, the TLS level Tern applies"},
    {"dkim", check_dkim_main, "[-c DIR] [--dns-file FILE] [--time SECONDS] < message: each signature's result"},
    {"dmarc", check_dmarc_main, "[-c DIR] IP MAIL-FROM HELO < message: SPF, DKIM and the DMARC verdict"},
    {"reputation", check_reputation_main, "[-c DIR] [-s] CLIENT-IP HELO SENDER [CLIENT-NAME]: each policyd-weight check, its score, the verdict"},
};

int usage() {
  std::fprintf(stderr, "usage: tern check WHAT [options] ...\n\nchecks:\n");
  for (const auto& c : kChecks) std::fprintf(stderr, "  %-10s %s\n", c.name.data(), c.help.data());
  return 64;
}

}  // namespace

int check_main(int argc, char** argv) {
  if (argc < 2) return usage();
  for (const auto& c : kChecks)
    if (c.name == argv[1]) return c.main(argc - 1, argv + 1);
  std::fprintf(stderr, "tern check: unknown check \"%s\"\n", argv[1]);
  return usage();
}

}  // namespace tern::cli
