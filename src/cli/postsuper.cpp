// postsuper / tern super: queue maintenance by the administrator, as Postfix's postsuper:
// -d (delete), -h (hold), -H (release), -r (requeue), -e / -f (force expiry; -f also
// releases held mail), each with a queue ID, "ALL" or "-" (IDs on stdin), optionally
// limited to named queues; -s / -p the structure check. Acts on the files (see
// postsuper_ops.hpp), prints Postfix's messages on stderr, then asks a running daemon to
// re-read the queue.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/postsuper_ops.hpp"
#include "cli/tool_env.hpp"

namespace tern::cli {

namespace {

constexpr const char* kName = "postsuper";

struct Request {
  SuperOp op;
  char flag;
  std::vector<std::string> ids;  // may hold "ALL" and "-"
};

int usage() {
  fatal_msg(kName, "usage: postsuper [-c config_dir] [-d queue_id (delete)] "
                   "[-e queue_id (expire)] [-f queue_id (expire and/or un-hold)] "
                   "[-h queue_id (hold)] [-H queue_id (un-hold)] "
                   "[-p (purge temporary files)] [-r queue_id (requeue)] "
                   "[-s (structure fix)] [-S (redundant structure fix)][-v (verbose)] [queue...]");
  return 1;
}

bool has_all(const Request& r) {
  for (const auto& id : r.ids)
    if (id == "ALL") return true;
  return false;
}

// The IDs of a request, with "-" replaced by the lines of standard input.
std::vector<std::string> expand_ids(const Request& r) {
  std::vector<std::string> out;
  for (const auto& id : r.ids) {
    if (id != "-") {
      out.push_back(id);
      continue;
    }
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    for (auto& line : read_id_lines(text)) out.push_back(std::move(line));
  }
  return out;
}

}  // namespace

int postsuper_main(int argc, char** argv) {
  std::string dir;
  // In Postfix's order of execution: delete, requeue, hold, release, then expiry.
  std::array<Request, 6> reqs{{{SuperOp::remove, 'd', {}},
                               {SuperOp::requeue, 'r', {}},
                               {SuperOp::hold, 'h', {}},
                               {SuperOp::release, 'H', {}},
                               {SuperOp::expire, 'e', {}},
                               {SuperOp::expire_release, 'f', {}}}};
  bool structure = false, purge = false;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "c:d:e:f:h:H:pr:sSv")) != -1) {
    switch (c) {
      case 'c': dir = optarg; break;
      case 'p': purge = true; break;
      case 's': case 'S': structure = true; break;
      case 'v': break;
      case 'd': case 'e': case 'f': case 'h': case 'H': case 'r':
        for (auto& r : reqs)
          if (r.flag == c) r.ids.emplace_back(optarg);
        break;
      default: return usage();
    }
  }
  std::vector<std::string> named(argv + optind, argv + argc);
  for (const auto& q : named)
    if (!is_super_queue(q)) {
      fatal_msg(kName, "invalid directory name: " + q);
      return 1;
    }
  bool any = structure || purge;
  for (const auto& r : reqs) any = any || !r.ids.empty();
  if (!any) structure = purge = true;  // postsuper alone: check the structure

  auto cfg = load_config(kName, dir);
  if (!cfg) return 1;
  const std::string& qdir = cfg->params.queue_directory;
  Superintendent s(qdir, [](const std::string& t) { info_msg(kName, t); },
                   [](const std::string& t) { warning_msg(kName, t); });

  if (structure || purge) {
    std::vector<std::string> qs = named;
    if (qs.empty()) qs = {"maildrop", "incoming", "active", "deferred", "hold"};
    s.structure_check(qs, purge);
  }
  // Mass operations first, then the ones by ID.
  for (const auto& r : reqs) {
    if (!has_all(r)) continue;
    if (r.ids.size() > 1)
      warning_msg(kName, std::string("option \"-") + r.flag + " ALL\" will ignore other command line queue IDs");
    s.all(r.op, named.empty() ? default_queues(r.op) : named);
  }
  for (const auto& r : reqs) {
    if (r.ids.empty() || has_all(r)) continue;
    auto queues = named.empty() ? default_queues(r.op) : named;
    for (const auto& id : expand_ids(r)) s.one(r.op, id, queues);
  }
  for (const auto& line : s.report()) info_msg(kName, line);

  if (s.changed()) {
    std::string err = control(qdir, queue::ControlVerb::rescan);
    if (!err.empty() && !daemon_down(err))
      warning_msg(kName, "the running daemon did not re-read the queue: " + err);
  }
  return 0;
}

}  // namespace tern::cli
