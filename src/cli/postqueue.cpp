// postqueue / mailq / tern queue: list the queue (-p as Postfix's mailq, -j as JSON
// lines), read straight from the queue directory so it works with the daemon down, and
// ask the running daemon to flush (-f), to retry one message (-i ID) or one site
// (-s SITE) over the control socket, with Postfix's diagnostics and exit statuses.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/queue_id.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "queue/listing.hpp"

namespace tern::cli {

namespace {

constexpr int kExUsage = 64, kExUnavailable = 69;
constexpr const char* kName = "postqueue";

int usage() {
  fatal_msg(kName, "usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | "
                   "postqueue -s site");
  return kExUsage;
}

// `"text"` cut at 100 bytes with "..." as Postfix quotes a bad argument.
std::string quoted(std::string_view s) {
  return "\"" + std::string(s.substr(0, 100)) + (s.size() > 100 ? "..." : "") + "\"";
}

// A host name or an address literal in [], as a flush destination must be.
bool valid_site(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  if (s.front() == '[') return s.size() > 2 && s.back() == ']' &&
                               s.find_first_of("[]/ ", 1) == s.size() - 1;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'))
      return false;
  return s.front() != '.' && s.back() != '.';
}

int flush(const std::string& qdir, queue::ControlVerb verb, const std::string& arg) {
  std::string err = control(qdir, verb, arg);
  if (err.empty()) return 0;
  fatal_msg(kName, daemon_down(err) ? "Cannot flush mail queue - mail system is down"
                                    : "Cannot flush mail queue - " + err);
  return kExUnavailable;
}

int show(const std::string& qdir, bool json) {
  auto msgs = queue::list_queue(qdir);
  if (!json) {
    std::fputs(queue::format_mailq(msgs).c_str(), stdout);
  } else {
    for (const auto& m : msgs) std::fputs(queue::format_json(m).c_str(), stdout);
  }
  return std::fflush(stdout) == 0 ? 0 : 74;  // EX_IOERR
}

}  // namespace

int postqueue_main(int argc, char** argv) {
  std::string dir, arg;
  char mode = 0;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "c:fi:jps:v")) != -1) {
    switch (c) {
      case 'c': dir = optarg; break;
      case 'v': break;
      case 'f': case 'j': case 'p': case 'i': case 's':
        if (mode != 0 && mode != c) return usage();  // one mode at a time
        mode = char(c);
        if (optarg) arg = optarg;
        break;
      default: return usage();
    }
  }
  std::string_view self = argv[0];
  if (mode == 0 && self == "queue") mode = 'p';  // `tern queue` lists
  if (mode == 0 || optind < argc) return usage();
  if (mode == 'i' && !is_valid_queue_id(arg)) {
    fatal_msg(kName, "Cannot flush queue ID - invalid name: " + quoted(arg));
    return kExUsage;
  }
  if (mode == 's' && !valid_site(arg)) {
    fatal_msg(kName, "Cannot flush mail queue - invalid destination: " + quoted(arg));
    return kExUsage;
  }
  auto cfg = load_config(kName, dir);
  if (!cfg) return 1;
  const std::string& qdir = cfg->params.queue_directory;
  switch (mode) {
    case 'p': return show(qdir, false);
    case 'j': return show(qdir, true);
    case 'f': return flush(qdir, queue::ControlVerb::flush, "");
    case 'i': return flush(qdir, queue::ControlVerb::flush_id, arg);
    default: return flush(qdir, queue::ControlVerb::flush_site, arg);
  }
}

int mailq_main(int argc, char** argv) {
  std::string dir;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "C:c:v")) != -1)
    if (c == 'C' || c == 'c') dir = optarg;
  auto cfg = load_config("mailq", dir);
  if (!cfg) return 1;
  return show(cfg->params.queue_directory, false);
}

}  // namespace tern::cli
