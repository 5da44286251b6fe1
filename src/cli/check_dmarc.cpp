// `tern check dmarc [-c DIR] IP MAIL-FROM HELO < message`: what ternd would conclude at
// the end of DATA — SPF for the client and MAIL FROM (HELO for <>), then the server's own
// dmarc::authenticate() (every DKIM signature when dkim_verify_enable, DMARC through the
// configured resolver and dmarc_discovery_method unless dmarc_mode = off; the command runs
// both regardless and notes what ternd would skip) — printed as the Authentication-Results
// field Tern adds, the policy found and the action dmarc_mode would take. Exit status 0
// only for dmarc=pass.
#include <getopt.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/check_args.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "dmarc/auth_results.hpp"
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

const char* action_text(const dmarc::Disposition& d, const dmarc::Settings& s) {
  switch (d.action) {
    case dmarc::Action::reject: return "reject";
    case dmarc::Action::hold: return "hold";
    case dmarc::Action::add_header: return "add header";
    case dmarc::Action::accept: return s.mode == dmarc::Mode::enforce ? "accept" : "accept (dmarc_mode is not enforce)";
  }
  return "accept";
}

// Asked for the checks, the command runs them even where ternd is configured not to; the
// notes say what ternd would skip.
std::vector<std::string> run_all_checks(dmarc::InboundOptions& o) {
  std::vector<std::string> notes;
  if (!o.dkim_verify) {
    o.dkim_verify = true;
    notes.emplace_back("ternd does not verify DKIM (dkim_verify_enable = no)");
  }
  if (o.dmarc.mode == dmarc::Mode::off) {
    o.dmarc.mode = dmarc::Mode::report;
    notes.emplace_back("ternd does not evaluate DMARC (dmarc_mode = off)");
  }
  return notes;
}

// The policy found, why, and the action; after the Authentication-Results field.
void print_outcome(const dmarc::InboundResult& r, const dmarc::Settings& s) {
  const dmarc::Evaluation& e = *r.results.dmarc;
  const dmarc::Disposition& d = r.disposition;
  if (const dmarc::Verdict* v = e.decisive()) {
    if (v->record)
      std::printf("policy: %s from _dmarc.%s, applied %s\n", std::string(dmarc::policy_name(v->policy)).c_str(),
                  v->policy_domain.c_str(), std::string(dmarc::policy_name(v->applied)).c_str());
    if (!v->reason.empty()) std::printf("reason: %s\n", v->reason.c_str());
  } else if (!e.reason.empty()) {
    std::printf("reason: %s\n", e.reason.c_str());
  }
  std::printf("action: %s%s%s\n", action_text(d, s), d.reply.empty() ? "" : ": ", d.reply.c_str());
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
  auto options = dmarc::inbound_options(p);
  auto resolver = dns::make_resolver(*cfg);
  for (const std::string* err : {spf_settings ? nullptr : &spf_settings.error().message,
                                 options ? nullptr : &options.error().message,
                                 resolver ? nullptr : &resolver.error().message})
    if (err) {
      fatal_msg(kName, *err);
      return 75;
    }
  std::vector<std::string> notes = run_all_checks(*options);
  std::string message{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};

  spf::Query q = spf::mail_from_query(ops->ip, mail_from, helo);
  spf_settings->apply(q);
  spf::Outcome spf_out = spf::check_host_blocking(**resolver, q);
  auto spf = dmarc::spf_input(spf_out.verdict, mail_from, helo, spf_out.problem);
  auto r = dns::run_blocking(**resolver, [&](dns::Resolver& res) {
    return dmarc::authenticate(res, *options, message, spf);
  });
  std::printf("%s\n", dmarc::build_auth_results(r.results).c_str());
  print_outcome(r, options->dmarc);
  for (const auto& n : notes) std::printf("note: %s\n", n.c_str());
  return r.results.dmarc->result == dmarc::Outcome::pass ? 0 : 1;
}

}  // namespace tern::cli
