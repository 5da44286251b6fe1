// `tern check dmarc [-c DIR] IP MAIL-FROM HELO < message`: what ternd would conclude at
// the end of DATA — SPF for the client and MAIL FROM (HELO for <>), every DKIM signature,
// then DMARC through the configured resolver and dmarc_discovery_method — printed as the
// Authentication-Results field Tern adds, the policy found and the action dmarc_mode
// would take. Exit status 0 only for dmarc=pass.
#include <getopt.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "cli/check_args.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "dkim/verify.hpp"
#include "dmarc/auth_results.hpp"
#include "dmarc/disposition.hpp"
#include "dmarc/evaluate.hpp"
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

const char* action_text(const dmarc::Disposition& d, const dmarc::Settings& s) {
  switch (d.action) {
    case dmarc::Action::reject: return "reject";
    case dmarc::Action::hold: return "hold";
    case dmarc::Action::add_header: return "add header";
    case dmarc::Action::accept: return s.mode == dmarc::Mode::enforce ? "accept" : "accept (dmarc_mode is not enforce)";
  }
  return "accept";
}

}  // namespace

int check_dmarc_main(int argc, char** argv) {
  std::string dir;
  optind = 1;
  for (int c; (c = ::getopt(argc, argv, "c:")) != -1;) {
    if (c == 'c') dir = optarg;
    else return usage();
  }
  if (argc - optind != 3) return usage();
  auto ops = client_operands(kName, argv, optind);
  if (!ops) return 64;
  const std::string& mail_from = ops->mail_from;
  const std::string& helo = ops->helo;
  auto cfg = load_config(kName, dir);
  if (!cfg) return 75;
  const auto& p = cfg->params;
  auto spf_settings = spf::settings(p);
  auto settings = dmarc::settings_from(p);
  auto resolver = dns::make_resolver(*cfg);
  for (const std::string* err : {spf_settings ? nullptr : &spf_settings.error().message,
                                 settings ? nullptr : &settings.error().message,
                                 resolver ? nullptr : &resolver.error().message})
    if (err) {
      fatal_msg(kName, *err);
      return 75;
    }
  std::string message{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};

  spf::Query q = spf::mail_from_query(ops->ip, mail_from, helo);
  spf_settings->apply(q);
  spf::Outcome spf_out = spf::check_host_blocking(**resolver, q);
  auto signatures = dkim::verify_message(message, **resolver, dkim_verify_options(p));

  dmarc::Input in{message, dmarc::spf_input(spf_out.verdict, mail_from, helo), dmarc::dkim_inputs(signatures), false};
  auto e = dns::run_blocking(**resolver, [&](dns::Resolver& r) { return dmarc::evaluate(r, settings->discovery(), in); });
  auto d = dmarc::decide(e, *settings);
  std::printf("%s\n", dmarc::build_auth_results({p.authres_authserv_id, in.spf, in.dkim, e}).c_str());
  if (const dmarc::Verdict* v = e.decisive()) {
    if (v->record)
      std::printf("policy: %s from _dmarc.%s, applied %s\n", std::string(dmarc::policy_name(v->policy)).c_str(),
                  v->policy_domain.c_str(), std::string(dmarc::policy_name(v->applied)).c_str());
    if (!v->reason.empty()) std::printf("reason: %s\n", v->reason.c_str());
  } else if (!e.reason.empty()) {
    std::printf("reason: %s\n", e.reason.c_str());
  }
  std::printf("action: %s%s%s\n", action_text(d, *settings), d.reply.empty() ? "" : ": ", d.reply.c_str());
  return e.result == dmarc::Outcome::pass ? 0 : 1;
}

}  // namespace tern::cli
