// qshape / tern shape: Postfix's queue shape report (see queue/shape.hpp) over Tern's
// queue files. Options as qshape's: -s (sender domains), -p (parent domains), -m N, -l,
// -b N, -t N, -w N, -N N / -n N (interim results and top domains, on a terminal only),
// -c dir; queue names relative to queue_directory or absolute paths (default: incoming
// and active).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "base/file.hpp"
#include "base/queue_id.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "queue/queue_file.hpp"
#include "queue/shape.hpp"

namespace tern::cli {

namespace {

int usage(const char* self) {
  std::fprintf(stderr,
               "Usage: %s [ -s ] [ -p ] [ -m <min_subdomains> ] [ -l ]\n"
               "\t[ -b <bucket_count> ] [ -t <bucket_time> ] [ -w <terminal_width> ]\n"
               "\t[ -N <batch_msg_count> ] [ -n <batch_top_domains> ]\n"
               "\t[ -c <config_directory> ] [ <queue_name> ... ]\n",
               self);
  return 64;
}

// The queued messages' files under `dir` (any depth, as qshape's find does).
std::vector<std::string> queue_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && is_valid_queue_id(it->path().filename().string()))
      out.push_back(it->path().string());
  return out;
}

// The addresses one file contributes: remaining recipients, or the sender with -s.
bool addresses(const std::string& path, bool senders, double& arrival, std::vector<std::string>& out) {
  auto text = read_file(path);
  if (!text) return false;
  auto pf = queue::parse_queue_file(*text);
  if (pf.status != queue::ParseStatus::ok) return false;
  const auto& e = pf.message.envelope;
  out.clear();
  for (const auto& r : e.recipients)
    if (r.state == RcptState::pending || r.state == RcptState::deferred) out.push_back(r.address);
  if (out.empty()) return false;  // qshape skips files without recipients
  if (senders) out = {e.sender};
  arrival = e.arrival;
  return true;
}

}  // namespace

int qshape_main(int argc, char** argv) {
  queue::ShapeOptions o;
  bool senders = false;
  std::string dir;
  long batch = -1, top = -1;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "lhc:psw:b:t:m:n:N:")) != -1) {
    long v = optarg ? std::strtol(optarg, nullptr, 10) : 0;
    switch (c) {
      case 'l': o.linear = true; break;
      case 'c': dir = optarg; break;
      case 'p': o.parents = true; break;
      case 's': senders = true; break;
      case 'w': if (v > 80) o.width = int(v); break;
      case 'b': if (v > 0) o.buckets = int(v); break;
      case 't': if (v > 0) o.tick = int(v); break;
      case 'm': if (v > 0) o.min_subdomains = int(v); break;
      case 'n': top = v; break;
      case 'N': batch = v; break;
      default: return usage(argv[0]);
    }
  }
  std::vector<std::string> queues(argv + optind, argv + argc);
  if (queues.empty()) queues = {"incoming", "active"};
  std::string qdir;
  for (const auto& q : queues) {
    if (q.empty() || q[0] == '/') continue;
    auto cfg = load_config("qshape", dir);  // only relative names need the configuration
    if (!cfg) return 1;
    qdir = cfg->params.queue_directory;
    break;
  }
  bool tty = ::isatty(STDOUT_FILENO);
  if (!tty) batch = top = 0;
  if (batch < 0) batch = 1000;
  if (top < 0) top = 20;
  o.top_domains = int(top);
  const char* cls = tty && batch > 0 ? "\033[H\033[2J" : "";

  queue::Shape shape(o);
  double now = double(std::time(nullptr));
  long msgs = 0;
  std::vector<std::string> addrs;
  for (const auto& q : queues) {
    for (const auto& f : queue_files(q[0] == '/' ? q : qdir + "/" + q)) {
      double arrival = 0;
      if (!addresses(f, senders, arrival, addrs)) continue;
      shape.add(now - arrival, addrs);
      if (batch > 0 && ++msgs % batch == 0) std::printf("%s%s", cls, shape.table().c_str());
    }
  }
  std::printf("%s%s", cls, shape.table().c_str());
  return 0;
}

}  // namespace tern::cli
