// `tern route ADDRESS… [-s SENDER] [-c DIR]`: what Tern would do with a recipient, step by
// step — cleanup's rewriting (canonical maps, masquerading, virtual aliases, each with
// the table and key that matched), then for each final recipient its address class,
// transport and nexthop, and whether smtpd would accept it at RCPT. Postfix spreads this
// over `postmap -q` runs and trivial-rewrite's verbose log; here it is one command.
#include <getopt.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "maps/lookup.hpp"
#include "route/recipients.hpp"
#include "route/rewrite.hpp"

namespace tern::cli {

namespace {

constexpr const char* kName = "tern route";

void print_steps(route::Trace& t, const char* indent) {
  for (const auto& s : t.steps) std::printf("%s%s\n", indent, s.c_str());
  t.steps.clear();
}

int route_one(const config::Config& cfg, const route::Rewriter& w, const route::RecipientTables& tables,
              const std::string& address, const std::string& sender) {
  const auto& p = cfg.params;
  std::printf("recipient <%s>%s\n", address.c_str(), sender.empty() ? "" : (" from <" + sender + ">").c_str());
  auto listing = tables.check(w.resolver(), address);
  if (!listing) {
    std::printf("  smtpd: 451 temporary lookup failure: %s\n", listing.error().message.c_str());
  } else if (*listing != route::Listing::known && p.smtpd_reject_unlisted_recipient) {
    std::printf("  smtpd: rejected at RCPT: %s\n", route::unknown_user_text(*listing));
    return 1;
  } else {
    std::printf("  smtpd: accepted at RCPT (reject_unauth_destination and the restriction lists aside)\n");
  }
  route::Trace t;
  auto finals = w.recipient(address, &t);
  print_steps(t, "  cleanup: ");
  if (!finals) {
    std::printf("  cleanup: message not accepted: %s\n", finals.error().message.c_str());
    return 1;
  }
  int status = 0;
  for (const auto& f : *finals) {
    std::printf("  final recipient <%s>\n", f.c_str());
    auto r = w.resolver().resolve(f, sender, &t);
    print_steps(t, "    ");
    if (!r) {
      std::printf("    deferred: address resolver failure: %s\n", r.error().message.c_str());
      status = 1;
      continue;
    }
    std::printf("    => class %s, transport %s, nexthop %s\n", route::class_name(r->cls), r->transport.c_str(),
                r->nexthop.empty() ? "(none)" : r->nexthop.c_str());
  }
  return status;
}

int usage() {
  std::fprintf(stderr, "usage: tern route [-c config_dir] [-s sender] address...\n");
  return 64;
}

}  // namespace

int route_main(int argc, char** argv) {
  std::string dir, sender;
  static const option longopts[] = {{"sender", required_argument, nullptr, 's'}, {nullptr, 0, nullptr, 0}};
  int c;
  optind = 1;
  while ((c = ::getopt_long(argc, argv, "c:s:", longopts, nullptr)) != -1) {
    if (c == 'c') dir = optarg;
    else if (c == 's') sender = optarg;
    else return usage();
  }
  if (optind >= argc) return usage();
  auto cfg = load_config(kName, dir);
  if (!cfg) return 1;
  const auto& p = cfg->params;
  maps::OpenContext ctx{cfg->directory, p.local_passwd_file};
  auto w = route::Rewriter::make(p, ctx);
  if (!w) {
    fatal_msg(kName, w.error().message);
    return 1;
  }
  auto tables = route::RecipientTables::make(p, ctx);
  if (!tables) {
    fatal_msg(kName, tables.error().message);
    return 1;
  }
  route::Trace t;
  std::string snd = sender;
  if (!sender.empty()) {
    auto s = w->sender(sender, &t);
    print_steps(t, "sender: ");
    if (!s) {
      fatal_msg(kName, s.error().message);
      return 1;
    }
    snd = *s;
    if (snd != sender) std::printf("sender <%s> becomes <%s>\n", sender.c_str(), snd.c_str());
  }
  int status = 0;
  for (int i = optind; i < argc; ++i) status |= route_one(*cfg, *w, *tables, argv[i], snd);
  return status;
}

}  // namespace tern::cli
