// The pipe agent; see pipe.hpp.
#include "delivery/pipe.hpp"
#include "delivery/privileged.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <ctime>

#include "base/strings.hpp"
#include "config/config.hpp"
#include "delivery/mail_copy.hpp"
#include "delivery/pipe_args.hpp"
#include "delivery/pipe_expand.hpp"
#include "delivery/pipe_run.hpp"
#include "delivery/pipe_status.hpp"
#include "route/verp.hpp"

namespace tern::delivery {

namespace {

using namespace pipe;

struct Runtime {
  Credentials cred;
  std::string user_label;  // "nobody (uid 65534, gid 65534)"
  double time_limit = 1000;
  std::vector<std::string> env;
  std::string directory;
  std::string service;
  std::string delimiters;
};

class PipeAgent : public Agent {
 public:
  PipeAgent(PipeSpec spec, Runtime rt) : spec_(std::move(spec)), rt_(std::move(rt)) {}
  Outcome deliver(const Request& r) const override;

 private:
  Outcome all(const Request& r, DeliveryResult::Kind k, const std::string& dsn, const std::string& text) const;
  std::string input_for(const Request& r, const std::string& sender) const;

  PipeSpec spec_;
  Runtime rt_;
};

Outcome PipeAgent::all(const Request& r, DeliveryResult::Kind k, const std::string& dsn,
                       const std::string& text) const {
  Outcome out;
  for (size_t i : r.rcpts) {
    DeliveryResult res{k, dsn, text, rt_.service, r.message.envelope.recipients[i].address};
    res.index = i;
    out.results.push_back(std::move(res));
  }
  return out;
}

std::string PipeAgent::input_for(const Request& r, const std::string& sender) const {
  const Flags& f = spec_.flags;
  const std::string& rcpt = r.message.envelope.recipients[r.rcpts.front()].address;
  CopyOptions o;
  o.eol = spec_.eol;
  o.now = std::time(nullptr);
  if (f.from_line) o.from_line = sender.empty() ? std::string("MAILER-DAEMON") : quote_local_part(sender);
  if (f.return_path) o.return_path = quote_local_part(sender);
  if (f.original_to) o.original_to = quote_local_part(rcpt);
  if (f.delivered_to) o.delivered_to = quote_local_part(rcpt);
  o.quote_from = f.quote_from;
  o.dot = f.dot;
  o.blank = f.blank;
  return mail_copy(r.message.content, o);
}

Outcome PipeAgent::deliver(const Request& r) const {
  const Flags& f = spec_.flags;
  const Envelope& e = r.message.envelope;
  if ((f.delivered_to || f.original_to) && r.rcpts.size() > 1)
    return all(r, DeliveryResult::deferred, "4.3.5",
               std::string("mail system configuration error: pipe flag '") + (f.delivered_to ? "D" : "O") +
                   "' requires " + rt_.service + "_destination_recipient_limit = 1");
  if (spec_.size_limit > 0 && static_cast<long long>(r.message.content.size()) > spec_.size_limit)
    return all(r, DeliveryResult::bounced, "5.2.3", "message too large");
  // An address verification probe: the command would take the mail; it is not run.
  if (e.verify_probe) return all(r, DeliveryResult::sent, "2.0.0", "delivers to command: " + printable(spec_.command, 100));
  if (f.delivered_to) {
    const std::string& rcpt = e.recipients[r.rcpts.front()].address;
    if (has_delivered_to(r.message.content, rcpt))
      return all(r, DeliveryResult::bounced, "5.4.6", "mail forwarding loop for " + rcpt);
  }
  bool switch_user = rt_.cred.uid != ::geteuid() || rt_.cred.gid != ::getegid();
  const PrivilegedDelivery* helper = switch_user ? r.privileged : nullptr;
  if (switch_user && ::geteuid() != 0 && !helper)
    return all(r, DeliveryResult::deferred, "4.3.0",
               "cannot run \"" + printable(spec_.command, 100) + "\" as user= " + rt_.user_label +
                   ": this delivery process runs as uid " + std::to_string(::geteuid()) +
                   " and cannot change user; commands for other users need Tern's privileged "
                   "delivery helper, which does not exist yet");
  std::string sender = e.sender.empty() ? spec_.null_sender : e.sender;
  if (!e.verp.empty() && r.rcpts.size() == 1 && !e.sender.empty())
    sender = route::verp_sender(e.sender, e.recipients[r.rcpts.front()].address, e.verp);
  ExpandInput in{r.message, sender, {}, r.nexthop, rt_.delimiters};
  for (size_t i : r.rcpts) in.recipients.push_back(e.recipients[i].address);
  RunSpec run;
  run.argv = expand_argv(spec_, in);
  run.env = rt_.env;
  run.input = input_for(r, sender);
  run.time_limit = rt_.time_limit;
  run.directory = rt_.directory;
  if (switch_user && !helper) run.run_as = rt_.cred;
  // ternd as root: the queue role is mail_owner, so the helper switches user for us.
  RunResult res = helper ? helper->run_pipe(rt_.cred.uid, rt_.cred.gid, run) : run_command(run);
  Verdict v = classify(res, spec_.command, rt_.service);
  return all(r, v.kind, v.dsn, v.text);
}

// --- construction --------------------------------------------------------------------

Status resolve_user(const PipeSpec& spec, Runtime& rt) {
  passwd pw{}, *pres = nullptr;
  char buf[4096];
  if (::getpwnam_r(spec.user.c_str(), &pw, buf, sizeof buf, &pres) != 0 || !pres)
    return Error{"user= names unknown user \"" + printable(spec.user, 64) + "\""};
  rt.cred = {pres->pw_uid, pres->pw_gid};
  if (!spec.group.empty()) {
    group gr{}, *gres = nullptr;
    if (::getgrnam_r(spec.group.c_str(), &gr, buf, sizeof buf, &gres) != 0 || !gres)
      return Error{"user= names unknown group \"" + printable(spec.group, 64) + "\""};
    rt.cred.gid = gres->gr_gid;
  }
  if (rt.cred.uid == 0)
    return Error{"user= names \"" + spec.user + "\" with root privileges: pipe refuses to run commands as root"};
  if (rt.cred.gid == 0)
    return Error{"user= gives privileged group id 0: pipe refuses to run commands with it"};
  rt.user_label = spec.user + " (uid " + std::to_string(rt.cred.uid) + ", gid " + std::to_string(rt.cred.gid) + ")";
  return ok_status();
}

// "100", "100s", "5m", "2h", "1d", "1w" in seconds.
std::optional<long long> parse_seconds(std::string_view t) {
  t = trim(t);
  long long mult = 1;
  if (!t.empty() && std::isalpha(static_cast<unsigned char>(t.back()))) {
    char u = t.back();
    mult = u == 's' ? 1 : u == 'm' ? 60 : u == 'h' ? 3600 : u == 'd' ? 86400 : u == 'w' ? 604800 : 0;
    t.remove_suffix(1);
  }
  auto n = parse_int(t);
  if (!mult || !n || *n < 1 || t.empty() || !std::isdigit(static_cast<unsigned char>(t.front()))) return std::nullopt;
  return *n * mult;
}

// <service>_time_limit from the service's -o overrides or main.cf, else command_time_limit.
Result<double> time_limit(const AgentContext& c) {
  std::string name = c.service.entry.service + "_time_limit";
  std::string where, text;
  for (const auto& [n, v] : c.service.entry.overrides)
    if (n == name) text = v, where = c.service.entry.file + ":" + std::to_string(c.service.entry.line);
  if (where.empty()) {
    auto it = c.cfg.main_cf.find(name);
    if (it == c.cfg.main_cf.end()) return double(c.service.params.command_time_limit.count());
    text = it->second.value;
    where = it->second.file + ":" + std::to_string(it->second.line);
  }
  auto expanded = config::expand_value(text, c.cfg.main_cf, c.cfg.directory);
  if (!expanded) return Error{where + ": " + name + ": " + expanded.error().message};
  auto secs = parse_seconds(*expanded);
  if (!secs)
    return Error{where + ": bad " + name + " value \"" + printable(*expanded, 40) +
                 "\": expected a time such as 100s, 10m or 1h"};
  return double(*secs);
}

std::vector<std::string> command_environment(const config::Params& p, const std::string& config_dir) {
  std::vector<std::string> env;
  for (const auto& name : p.export_environment) {
    if (name == "MAIL_CONFIG") env.push_back("MAIL_CONFIG=" + config_dir);
    else if (const char* v = std::getenv(name.c_str())) env.push_back(name + "=" + v);
  }
  env.push_back("PATH=/usr/bin:/bin");
  return env;
}

}  // namespace

Result<std::unique_ptr<Agent>> make_pipe_agent(const AgentContext& c) {
  auto spec = parse_pipe_args(c.service.entry.args);
  if (!spec) return spec.error();
  Runtime rt;
  if (auto s = resolve_user(*spec, rt); !s) return s.error();
  auto limit = time_limit(c);
  if (!limit) return limit.error();
  rt.time_limit = *limit;
  const config::Params& p = c.service.params;
  rt.env = command_environment(p, c.cfg.directory);
  rt.directory = spec->directory.empty() ? p.queue_directory : spec->directory;
  rt.service = c.service.entry.service;
  rt.delimiters = p.recipient_delimiter;
  return std::unique_ptr<Agent>(new PipeAgent(std::move(*spec), std::move(rt)));
}

}  // namespace tern::delivery
