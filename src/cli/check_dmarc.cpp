// `tern check dmarc [-c DIR] IP MAIL-FROM HELO < message`: what ternd would conclude at the
// end of DATA for this client, envelope sender and message, through the configured
// resolver: the SPF result (MAIL FROM, or HELO for "<>"), each DKIM signature's result, the
// DMARC verdict with the policy found and the action dmarc_mode would take, and the
// Authentication-Results field. DKIM is verified and DMARC evaluated whatever
// dkim_verify_enable and dmarc_mode say (this is the check asked for). Exit status 0 only
// for a DMARC pass.
#include <getopt.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "dmarc/inbound.hpp"
#include "dmarc/verifier_inputs.hpp"
#include "dns/blocking.hpp"
#include "dns/unbound_resolver.hpp"
#include "spf/check.hpp"
#include "spf/settings.hpp"

namespace tern::cli {

namespace {
constexpr const char* kName = "tern check dmarc";

int usage() {
  std::fprintf(stderr, "usage: tern check dmarc [-c config_dir] IP MAIL-FROM HELO < message\n");
  return 64;
}

constexpr const char* kAction[] = {"accept", "reject", "hold", "header"};  // dmarc::Action
}  // namespace

int check_dmarc_main(int argc, char** argv) {
  std::string dir;
  optind = 1;
  for (int c; (c = ::getopt(argc, argv, "c:")) != -1;) {
    if (c == 'c') dir = optarg;
    else return usage();
  }
  if (argc - optind != 3) return usage();
  auto ip = IpAddress::parse(argv[optind]);
  if (!ip) {
    fatal_msg(kName, std::string("bad IP address: ") + argv[optind]);
    return 64;
  }
  std::string mail_from = argv[optind + 1], helo = argv[optind + 2];
  if (mail_from == "<>") mail_from.clear();
  if (mail_from.size() > 2 && mail_from.front() == '<' && mail_from.back() == '>')
    mail_from = mail_from.substr(1, mail_from.size() - 2);
  auto cfg = load_config(kName, dir);
  if (!cfg) return 75;
  auto s = spf::settings(cfg->params);
  auto opt = dmarc::inbound_options(cfg->params);
  if (!s || !opt) {
    fatal_msg(kName, !s ? s.error().message : opt.error().message);
    return 75;
  }
  opt->dkim_verify = true;
  if (opt->dmarc.mode == dmarc::Mode::off) opt->dmarc.mode = dmarc::Mode::report;
  auto resolver = dns::make_resolver(*cfg);
  if (!resolver) {
    fatal_msg(kName, resolver.error().message);
    return 75;
  }
  std::string message{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  std::erase(message, '\r');  // as smtpd stores it: LF line endings

  spf::Query q = spf::mail_from_query(*ip, mail_from, helo);
  s->apply(q);
  spf::Outcome o = spf::check_host_blocking(**resolver, q);
  auto r = dns::run_blocking(**resolver, [&](dns::Resolver& res) {
    return dmarc::authenticate(res, *opt, message, dmarc::spf_input(o.verdict, mail_from, helo, o.problem));
  });

  std::printf("spf=%s (%s)\n", std::string(spf::verdict_name(o.verdict)).c_str(),
              std::string(spf::identity_name(q.identity)).c_str());
  if (r.signatures.empty()) std::printf("dkim=none (message not signed)\n");
  for (const auto& sig : r.signatures)
    std::printf("dkim=%s d=%s s=%s%s\n", std::string(dkim::result_name(sig.result)).c_str(), sig.domain.c_str(),
                sig.selector.c_str(), sig.reason.empty() ? "" : (" (" + sig.reason + ")").c_str());
  const dmarc::Evaluation& e = *r.results.dmarc;
  const dmarc::Verdict* v = e.decisive();
  std::printf("dmarc=%s", std::string(dmarc::outcome_name(e.result)).c_str());
  if (v)
    std::printf(" header.from=%s policy_domain=%s policy=%s spf_aligned=%s dkim_aligned=%s", v->from_domain.c_str(),
                v->policy_domain.empty() ? "-" : v->policy_domain.c_str(),
                std::string(dmarc::policy_name(v->applied)).c_str(), v->spf_aligned ? "yes" : "no",
                v->dkim_aligned ? "yes" : "no");
  std::string why = v && !v->reason.empty() ? v->reason : e.reason;
  if (!why.empty()) std::printf(" (%s)", why.c_str());
  std::printf("\n");
  // What ternd would do under dmarc_mode = enforce.
  dmarc::Settings enforce = opt->dmarc;
  enforce.mode = dmarc::Mode::enforce;
  dmarc::Disposition d = dmarc::decide(e, enforce);
  std::printf("action: %s%s%s (when dmarc_mode = enforce; dmarc_mode = %s)\n", kAction[int(d.action)],
              d.reply.empty() ? "" : ": ", d.reply.c_str(), cfg->params.dmarc_mode.c_str());
  std::printf("%s\n", dmarc::build_auth_results(r.results).c_str());
  return e.result == dmarc::Outcome::pass ? 0 : 1;
}

}  // namespace tern::cli
