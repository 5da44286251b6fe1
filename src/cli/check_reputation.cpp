// `tern check reputation [-c DIR] [-s] CLIENT-IP HELO SENDER [CLIENT-NAME]`: check_reputation's
// weighted check (policyd-weight semantics) through the configured resolver
// (dns_forward_servers, ...) with the configured scores (reputation_score_maps, ...):
// one line per check with its score, the total ("rate"), and the action smtpd would take.
// -s first prints the score table in effect ("score NAME HIT MISS", "dnsbl ZONE HIT MISS
// LOGNAME", "rhsbl ..."), which shows whether a table's keys were taken.
// No result cache. CLIENT-NAME is Postfix's client_name (default "unknown"). Exit status
// 0 when the client passes, 1 when it is rejected or deferred.
#include <getopt.h>

#include <cstdio>
#include <string>

#include "base/strings.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "cli/check_args.hpp"
#include "policy/reputation.hpp"

namespace tern::cli {

namespace {
constexpr const char* kName = "tern check reputation";

int usage() {
  std::fprintf(stderr, "usage: tern check reputation [-c config_dir] [-s] CLIENT-IP HELO SENDER [CLIENT-NAME]\n");
  return 64;
}
void print_scores(const policy::reputation::Scores& s) {
  namespace rep = policy::reputation;
  for (size_t i = 0; i < rep::kCheckCount; ++i)
    std::printf("score %s %s %s\n", std::string(rep::check_name(static_cast<rep::Check>(i))).c_str(),
                rep::perl_number(s.checks[i].hit).c_str(), rep::perl_number(s.checks[i].miss).c_str());
  for (auto [word, lists] : {std::pair{"dnsbl", &s.dnsbl}, std::pair{"rhsbl", &s.rhsbl}})
    for (const auto& b : *lists)
      std::printf("%s %s %s %s %s\n", word, b.zone.c_str(), rep::perl_number(b.hit).c_str(),
                  rep::perl_number(b.miss).c_str(), b.log_name.c_str());
}
}  // namespace

int check_reputation_main(int argc, char** argv) {
  namespace rep = policy::reputation;
  std::string dir;
  bool show_scores = false;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "c:s")) != -1) {
    if (c == 'c') dir = optarg;
    else if (c == 's') show_scores = true;
    else return usage();
  }
  int n = argc - optind;
  if (n != 3 && n != 4) return usage();
  auto ip = IpAddress::parse(argv[optind]);
  if (!ip) {
    fatal_msg(kName, std::string("bad IP address: ") + argv[optind]);
    return 64;
  }
  std::string sender = lower(argv[optind + 2]);
  if (sender.size() > 2 && sender.front() == '<' && sender.back() == '>') sender = sender.substr(1, sender.size() - 2);
  if (sender.empty() || sender == "<>") {
    std::printf("DUNNO (the null sender is not scored)\n");
    return 0;
  }
  rep::Client client{ip->unmapped(), lower(argv[optind + 1]), sender, n == 4 ? lower(argv[optind + 3]) : "unknown"};
  auto cfg = load_config(kName, dir);
  if (!cfg) return 75;
  auto s = rep::settings(cfg->params);
  if (!s) {
    fatal_msg(kName, s.error().message);
    return 75;
  }
  auto resolver = check_resolver(kName, *cfg);
  if (!resolver) return 75;
  if (show_scores) print_scores(s->scores);
  rep::Report r = rep::evaluate_blocking(*resolver, s->scores, s->limits, client);
  for (const auto& e : r.entries)
    std::printf("%-56s %s%s\n", e.name.c_str(), e.dns_error ? "ERR " : "", rep::perl_number(e.score).c_str());
  std::printf("rate: %s\n", rep::perl_number(r.rate).c_str());
  std::string action = rep::action(*s, r, client);
  bool refused = rep::refuses(action);
  std::printf("%s: %s\n", refused ? (action[0] == '4' ? "defer" : "reject") : "pass", action.c_str());
  return refused ? 1 : 0;
}

}  // namespace tern::cli
