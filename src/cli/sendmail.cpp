// sendmail / tern send: the Sendmail-compatible submission interface, as Postfix's
// sendmail. Reads a message on stdin (-bm, the default) or an SMTP dialogue (-bs), and
// drops it into maildrop/ for the daemon (see maildrop.hpp); -q, -qIID, -qRsite flush
// through the control socket; -bp lists the queue; -bi runs newaliases; -bv verifies the
// recipient addresses through the running daemon and prints the results (verify.cpp). Options: -t, -f/-r sender, -F full name, -i/-oi, -V/-XV[xy] (VERP), -V envid,
// -N, -R, -B, -C/-c config; the rest are accepted and ignored as Postfix does.
// Exit statuses are sysexits.h values.
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/maildrop.hpp"
#include "cli/sendmail_smtp.hpp"
#include "cli/submission.hpp"
#include "cli/tool_env.hpp"
#include "message/cleanup.hpp"

namespace tern::cli {

namespace {

constexpr int kExUsage = 64, kExUnavailable = 69, kExTempfail = 75, kExConfig = 78;
constexpr const char* kName = "sendmail";

struct Options {
  std::string dir;
  char mode = 'm';  // b-mode: m (deliver), s (SMTP), v (verify), p (list), i (aliases), q (flush)
  std::string flush_arg;  // -qIid / -qRsite: 'I' or 'R' then the argument
  std::string sender;
  bool sender_given = false;
  std::string full_name;
  bool dot_ends = true;   // cleared by -i / -oi
  bool extract = false;   // -t
  bool verp = false;
  std::string verp_arg;
  std::string envid, notify, ret;
  std::vector<std::string> recipients;
};

std::string login_name() {
  if (passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  return "unknown";
}

// Postfix's "user(uid): " prefix for submission errors.
std::string who() { return login_name() + "(" + std::to_string(long(::getuid())) + ")"; }

// Postfix rewrites the deprecated VERP spellings -V and -Vxy to -XV and -XVxy.
std::vector<std::string> modernize(int argc, char** argv) {
  std::vector<std::string> out(argv, argv + argc);
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i] == "--") break;
    if (out[i] == "-V" || (out[i].size() == 4 && out[i].rfind("-V", 0) == 0)) {
      if (out[i] == "-V") warning_msg(kName, "option -V is deprecated with Postfix 2.3; specify -XV instead");
      else warning_msg(kName, "option " + out[i] + " is deprecated with Postfix 2.3; specify -X" +
                                  out[i].substr(1) + " instead");
      out[i] = "-X" + out[i].substr(1);
    }
  }
  return out;
}

bool parse_o(Options& o, const char* arg) {
  switch (arg[0]) {
    case 'i': o.dot_ends = false; return true;
    case '7': case '8': case 'm': case 'A': return true;
    default: warning_msg(kName, std::string("-o") + arg[0] + " option ignored"); return true;
  }
}

// Returns -1 when parsing succeeded, else the exit status.
int parse(Options& o, int argc, char** argv) {
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "+A:B:C:F:GIL:N:O:R:UV:X:b:c:f:h:imno:p:q::r:tvx")) != -1) {
    switch (c) {
      case 'C': case 'c': o.dir = optarg; break;
      case 'F': o.full_name = optarg; break;
      case 'f': case 'r': o.sender = optarg; o.sender_given = true; break;
      case 'i': o.dot_ends = false; break;
      case 'o': parse_o(o, optarg); break;
      case 't': o.extract = true; break;
      case 'I': o.mode = 'i'; break;
      case 'N': o.notify = optarg; break;
      case 'R': o.ret = optarg; break;
      case 'V': o.envid = optarg; break;
      case 'X':
        if (optarg[0] == 'V') { o.verp = true; o.verp_arg = optarg + 1; }
        break;  // -X log_file: ignored
      case 'b':
        if (std::strchr("msvpi", optarg[0]) && optarg[0]) o.mode = optarg[0];
        else if (std::strchr("dlhH", optarg[0]) && optarg[0]) {
          fatal_msg(kName, std::string("-b") + optarg[0] + " is not supported: ternd is the daemon");
          return kExUsage;
        } else {
          fatal_msg(kName, std::string("-b") + optarg + " option not supported");
          return kExUsage;
        }
        break;
      case 'q':
        if (!optarg || std::isdigit(static_cast<unsigned char>(optarg[0]))) o.mode = 'q';
        else if (optarg[0] == 'I' || optarg[0] == 'R' || optarg[0] == 'S') {
          o.mode = 'q';
          o.flush_arg = optarg;
        } else {
          fatal_msg(kName, std::string("-q") + optarg[0] + " is not implemented");
          return kExUsage;
        }
        break;
      case 'A': case 'B': case 'G': case 'L': case 'O': case 'U': case 'h': case 'm':
      case 'n': case 'p': case 'v': case 'x': break;  // ignored, as in Postfix
      default: fatal_msg(kName, "usage: sendmail [options] [recipient ...]"); return kExUsage;
    }
  }
  for (int i = optind; i < argc; ++i) o.recipients.emplace_back(argv[i]);
  return -1;
}

int flush(const Options& o, const std::string& qdir) {
  queue::ControlVerb verb = queue::ControlVerb::flush;
  std::string arg;
  if (!o.flush_arg.empty()) {
    verb = o.flush_arg[0] == 'I' ? queue::ControlVerb::flush_id : queue::ControlVerb::flush_site;
    arg = o.flush_arg.substr(1);
  }
  std::string err = control(qdir, verb, arg);
  if (err.empty()) return 0;
  fatal_msg(kName, daemon_down(err) ? "Cannot flush mail queue - mail system is down"
                                    : "Cannot flush mail queue - " + err);
  return kExUnavailable;
}

// The default mode: the message from stdin into maildrop/.
int submit(Options& o, const config::Config& cfg) {
  const auto& p = cfg.params;
  std::string origin = p.append_at_myorigin ? p.myorigin : "";
  std::string sender = o.sender_given ? o.sender : login_name();
  if (sender.size() >= 2 && sender.front() == '<' && sender.back() == '>')
    sender = sender.substr(1, sender.size() - 2);
  sender = qualify(sender, origin);
  std::string verp;
  if (o.verp) {
    if (sender.empty()) {
      fatal_msg(kName, who() + ": -V option requires non-null sender address");
      return kExUsage;
    }
    auto d = verp_delimiters(o.verp_arg, p.default_verp_delimiters, p.verp_delimiter_filter);
    if (!d) {
      fatal_msg(kName, d.error().message);
      return kExUsage;
    }
    verp = *d;
  }
  std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  std::string content = read_message_text(input, o.dot_ends);
  std::vector<std::string> rcpts = o.recipients;
  if (o.extract) {
    auto x = extract_recipients(content);
    rcpts.insert(rcpts.end(), x.recipients.begin(), x.recipients.end());
    content = std::move(x.content);
  } else {
    content = remove_bcc(content);
  }
  if (rcpts.empty()) {
    fatal_msg(kName, who() + (o.extract ? ": No recipient addresses found in message header"
                                        : ": Recipient addresses must be specified on the "
                                          "command line or via the -t option"));
    return kExUsage;
  }
  for (auto& r : rcpts) r = qualify(r, origin);
  std::string name = o.full_name;
  if (name.empty())
    if (const char* env = std::getenv("NAME")) name = env;
  if (!sender.empty()) content = add_from_if_missing(content, sender, name);

  Message m = local_message(sender, std::move(rcpts), std::move(content));
  m.envelope.verp = verp;
  m.envelope.envid = o.envid;
  m.envelope.ret = o.ret;
  cleanup(m, {true, p.myhostname});  // Message-ID: and Date: when missing
  auto id = write_maildrop(p.queue_directory, m, p.mail_owner);
  if (!id) {
    fatal_msg(kName, who() + ": " + id.error().message);
    return kExTempfail;
  }
  request_pickup(p.queue_directory);  // when down, the daemon takes it at its next start
  return 0;
}

}  // namespace

int sendmail_main(int argc, char** argv) {
  auto args = modernize(argc, argv);
  std::vector<char*> av;
  for (auto& a : args) av.push_back(a.data());
  av.push_back(nullptr);
  Options o;
  if (int rc = parse(o, argc, av.data()); rc >= 0) return rc;

  switch (o.mode) {
    case 'v': {  // printed, not mailed as Postfix does (see verify.cpp)
      if (o.recipients.empty()) {
        fatal_msg(kName, "-bv needs recipient addresses");
        return kExUsage;
      }
      std::vector<char*> rv;
      for (auto& r : o.recipients) rv.push_back(r.data());
      return verify_addresses(kName, o.dir, 30, rv.data(), int(rv.size()));
    }
    case 'i': {
      std::vector<std::string> na = {"newaliases"};
      if (!o.dir.empty()) na = {"newaliases", "-c", o.dir};
      std::vector<char*> nv;
      for (auto& a : na) nv.push_back(a.data());
      nv.push_back(nullptr);
      return newaliases_main(int(na.size()), nv.data());
    }
    case 'p': {
      std::vector<std::string> mq = {"mailq"};
      if (!o.dir.empty()) mq = {"mailq", "-c", o.dir};
      std::vector<char*> mv;
      for (auto& a : mq) mv.push_back(a.data());
      mv.push_back(nullptr);
      return mailq_main(int(mq.size()), mv.data());
    }
    default: break;
  }
  if ((o.mode == 'q' || o.mode == 's') && !o.recipients.empty()) {
    fatal_msg(kName, o.mode == 'q' ? "flush queue mode requires no recipient"
                                   : "stand-alone mode requires no recipient");
    return kExUsage;
  }
  auto cfg = load_config(kName, o.dir);
  if (!cfg) return kExConfig;
  if (o.mode == 'q') return flush(o, cfg->params.queue_directory);
  if (o.mode == 's') return smtp_stdio_main(*cfg);
  return submit(o, *cfg);
}

}  // namespace tern::cli
