// `tern greylist`: look at and tend the greylist (check_greylist) from the shell.
//
//   tern greylist [-c DIR] [--now SECONDS] list
//       every triplet with its ages and state, then the auto-whitelist's clients
//   tern greylist [-c DIR] [--now SECONDS] purge
//       removes expired triplets and clients now (ternd also does it every
//       greylist_cleanup_interval) and says how many
//   tern greylist [-c DIR] whitelist-check CLIENT-IP CLIENT-NAME RECIPIENT
//       which whitelist entry lets this client or recipient through; exit 1 when none does
//   tern greylist [-c DIR] [--now SECONDS] ask [NAME=VALUE...]
//       one policy request (Postfix's attribute names; protocol_state defaults to RCPT)
//       decided as check_greylist decides it, with the same database; prints "action=..."
//       and an empty line. Without attributes: requests in the policy delegation protocol
//       on stdin, each answered in turn; a request's policy_test_time=SECONDS (postgrey's
//       test attribute) sets the clock for it, so one request stream can be replayed to
//       postgrey and to Tern.
//
// list and purge never create the database (an admin running them as root must not make a
// file the mail system cannot write); ask does, as ternd would.
// --now sets the clock (seconds since the epoch) for tests and what-if questions.
// Exit status: 0 done, 1 an error (or no whitelist entry), 64 usage.
#include <getopt.h>

#include <cstdio>
#include <string>
#include <vector>

#include "base/strings.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "policy/greylist.hpp"

namespace tern::cli {

namespace {

constexpr const char* kName = "tern greylist";

int usage() {
  std::fprintf(stderr,
               "usage: tern greylist [-c config_dir] [--now SECONDS] list\n"
               "       tern greylist [-c config_dir] [--now SECONDS] purge\n"
               "       tern greylist [-c config_dir] whitelist-check CLIENT-IP CLIENT-NAME RECIPIENT\n"
               "       tern greylist [-c config_dir] [--now SECONDS] ask [NAME=VALUE...]   (none: requests on stdin)\n");
  return 64;
}

int fail(const std::string& text) {
  fatal_msg(kName, text);
  return 1;
}

int list(const policy::GreylistSettings& s, long long now) {
  auto store = policy::GreylistStore::open(s.database, s.map_size, true);
  if (!store) return fail(store.error().message);
  const policy::GreylistTiming& t = s.timing;
  auto triplets = (*store)->each(policy::GreylistTable::triplets, [&](std::string_view k, std::string_view v) {
    auto r = policy::decode_triplet(v);
    std::string state = !r                             ? "damaged record \"" + printable(v, 40) + "\""
                        : policy::is_expired(*r, now, t) ? std::string("expired")
                        : policy::has_passed(*r, t)      ? std::string("passed")
                                                         : "greylisted, " +
                                                               std::to_string(std::max(0LL, t.delay - (now - r->first))) +
                                                               "s left";
    if (r)
      std::printf("%s: first seen %llds ago, last seen %llds ago, %s\n", printable(k, 600).c_str(), now - r->first,
                  now - r->last, state.c_str());
    else
      std::printf("%s: %s\n", printable(k, 600).c_str(), state.c_str());
  });
  if (!triplets) return fail(triplets.error().message);
  auto clients = (*store)->each(policy::GreylistTable::clients, [&](std::string_view k, std::string_view v) {
    auto r = policy::decode_client(v);
    if (!r) {
      std::printf("client %s: damaged record \"%s\"\n", printable(k, 60).c_str(), printable(v, 40).c_str());
      return;
    }
    const char* state = policy::is_expired(*r, now, t)                        ? "expired"
                        : t.auto_whitelist > 0 && r->count >= t.auto_whitelist ? "whitelisted"
                                                                               : "not whitelisted yet";
    std::printf("client %s: %lld passes, last seen %llds ago, %s\n", printable(k, 60).c_str(), r->count,
                now - r->last, state);
  });
  if (!clients) return fail(clients.error().message);
  return 0;
}

int purge(const policy::GreylistSettings& s, long long now) {
  auto store = policy::GreylistStore::open(s.database, s.map_size, true);
  if (!store) return fail(store.error().message);
  auto n = policy::purge_expired(**store, s.timing, now);
  if (!n) return fail(n.error().message);
  std::printf("%s: removed %zu of %zu triplets and %zu of %zu clients from %s\n", kName, n->triplets.removed,
              n->triplets.removed + n->triplets.kept, n->clients.removed, n->clients.removed + n->clients.kept,
              (*store)->path().c_str());
  return 0;
}

int whitelist_check(const policy::GreylistSettings& s, char** args) {
  auto ip = IpAddress::parse(args[0]);
  if (!ip) return fail(std::string("bad client address \"") + printable(args[0], 60) + "\"");
  auto clients = policy::load_client_whitelist(s.client_files);
  if (!clients) return fail("greylist_whitelist_clients: " + clients.error().message);
  auto recipients = policy::load_recipient_whitelist(s.recipient_files);
  if (!recipients) return fail("greylist_whitelist_recipients: " + recipients.error().message);
  if (auto o = clients->match(*ip, args[1])) {
    std::printf("client whitelisted by %s\n", o->describe().c_str());
    return 0;
  }
  if (auto o = recipients->match(args[2])) {
    std::printf("recipient whitelisted by %s\n", o->describe().c_str());
    return 0;
  }
  std::printf("not whitelisted\n");
  return 1;
}

Status add_attribute(policy::PolicyRequest& req, std::string_view a) {
  auto eq = a.find('=');
  if (eq == std::string_view::npos || eq == 0) return Error{"expected NAME=VALUE, got \"" + printable(a, 80) + "\""};
  req.set(std::string(a.substr(0, eq)), std::string(a.substr(eq + 1)));
  return ok_status();
}

policy::PolicyRequest new_request() {
  policy::PolicyRequest req;
  req.set("request", "smtpd_access_policy");
  req.set("protocol_state", "RCPT");
  return req;
}

// Decides one request and prints the answer as a policy server would.
Status answer(policy::Greylist& g, const policy::PolicyRequest& req) {
  auto action = g.check(req);
  if (!action) return action.error();
  std::printf("action=%s\n\n", action->c_str());
  std::fflush(stdout);
  return ok_status();
}

// Requests in the policy protocol on stdin (NAME=VALUE lines, an empty line ends each),
// all decided by one Greylist, so its memory of recent messages (instance) carries over
// as in ternd. A request's policy_test_time (postgrey's attribute for the same purpose)
// sets the clock for it; the attribute is not passed on.
int ask_stdin(const policy::GreylistSettings& s, long long now) {
  long long current = now;
  auto g = policy::Greylist::open(s, [&current] { return current; });
  if (!g) return fail(g.error().message);
  policy::PolicyRequest req = new_request();
  bool pending = false;
  char buf[4096];
  auto finish = [&]() -> Status {
    current = now;
    std::string_view t = req.get("policy_test_time");
    if (!t.empty()) {
      auto n = parse_int(t);
      if (!n || *n < 0) return Error{"bad policy_test_time \"" + printable(t, 40) + "\""};
      current = *n;
    }
    std::erase_if(req.attributes, [](const auto& kv) { return kv.first == "policy_test_time"; });
    auto st = answer(**g, req);
    req = new_request();
    pending = false;
    return st;
  };
  while (std::fgets(buf, sizeof buf, stdin)) {
    std::string_view line = buf;
    if (!line.empty() && line.back() != '\n' && !std::feof(stdin)) return fail("request line too long");
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    Status st = line.empty() ? (pending ? finish() : ok_status()) : add_attribute(req, line);
    if (!st) return fail(st.error().message);
    pending = pending || !line.empty();
  }
  if (pending)
    if (auto st = finish(); !st) return fail(st.error().message);
  return 0;
}

int ask(const policy::GreylistSettings& s, const policy::Clock& clock, int argc, char** argv) {
  if (argc == 0) return ask_stdin(s, clock());
  policy::PolicyRequest req = new_request();
  for (int i = 0; i < argc; ++i)
    if (auto st = add_attribute(req, argv[i]); !st) return fail(st.error().message);
  auto g = policy::Greylist::open(s, clock);
  if (!g) return fail(g.error().message);
  if (auto st = answer(**g, req); !st) return fail(st.error().message);
  return 0;
}

}  // namespace

int greylist_main(int argc, char** argv) {
  static const option kLong[] = {{"now", required_argument, nullptr, 'n'}, {nullptr, 0, nullptr, 0}};
  std::string dir;
  policy::Clock clock = policy::system_clock();
  int c;
  optind = 1;
  while ((c = ::getopt_long(argc, argv, "+c:", kLong, nullptr)) != -1) {
    if (c == 'c') {
      dir = optarg;
    } else if (c == 'n') {
      auto n = parse_int(optarg);
      if (!n || *n < 0) return fail(std::string("bad --now \"") + printable(optarg, 40) + "\" (seconds since the epoch)");
      clock = [t = *n] { return t; };
    } else {
      return usage();
    }
  }
  if (optind >= argc) return usage();
  std::string_view verb = argv[optind];
  int nargs = argc - optind - 1;
  char** args = argv + optind + 1;
  auto cfg = load_config(kName, dir);
  if (!cfg) return 1;
  auto s = policy::greylist_settings(cfg->params);
  if (!s) return fail(s.error().message);
  if (verb == "list" && nargs == 0) return list(*s, clock());
  if (verb == "purge" && nargs == 0) return purge(*s, clock());
  if (verb == "whitelist-check" && nargs == 3) return whitelist_check(*s, args);
  if (verb == "ask") return ask(*s, clock, nargs, args);
  return usage();
}

}  // namespace tern::cli
