// `tern check spf [-c DIR] [-H] IP MAIL-FROM HELO`: check_host() through the configured
// resolver (dns_forward_servers, ...), printed as spfquery does: the result, the
// explanation (for fail) or the problem (for errors), the comment, and the Received-SPF
// header Tern would add. MAIL-FROM "" or "<>" is the null sender (postmaster@HELO is
// checked); -H checks the HELO identity instead. Exit status 0 only for pass.
#include <getopt.h>

#include <cstdio>
#include <string>

#include "cli/check_args.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "spf/check.hpp"
#include "spf/received.hpp"
#include "spf/settings.hpp"

namespace tern::cli {

namespace {
constexpr const char* kName = "tern check spf";

int usage() {
  std::fprintf(stderr, "usage: tern check spf [-c config_dir] [-H] IP MAIL-FROM HELO\n");
  return 64;
}
}  // namespace

int check_spf_main(int argc, char** argv) {
  std::string dir;
  bool helo_identity = false;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "c:H")) != -1) {
    if (c == 'c') dir = optarg;
    else if (c == 'H') helo_identity = true;
    else return usage();
  }
  if (argc - optind != 3) return usage();
  auto ops = client_operands(kName, argv, optind);
  if (!ops) return 64;
  const std::string& mail_from = ops->mail_from;
  const std::string& helo = ops->helo;
  auto cfg = load_config(kName, dir);
  if (!cfg) return 75;
  auto s = spf::settings(cfg->params);
  if (!s) {
    fatal_msg(kName, s.error().message);
    return 75;
  }
  auto resolver = check_resolver(kName, *cfg);
  if (!resolver) return 75;
  spf::Query q = helo_identity ? spf::helo_query(ops->ip, helo) : spf::mail_from_query(ops->ip, mail_from, helo);
  s->apply(q);
  spf::Outcome o = spf::check_host_blocking(*resolver, q);
  std::printf("%s\n", std::string(spf::verdict_name(o.verdict)).c_str());
  std::printf("%s\n", (o.verdict == spf::Verdict::fail ? o.explanation : o.problem).c_str());
  std::printf("spfquery: %s\n", spf::received_spf_comment(q, o).c_str());
  std::printf("%s", spf::received_spf(q, o, mail_from).c_str());
  return o.verdict == spf::Verdict::pass ? 0 : 1;
}

}  // namespace tern::cli
