// The master; see master.hpp.
#include "daemon/master.hpp"
#include "delivery/agent.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "cli/maildrop.hpp"
#include "base/log.hpp"
#include "config/config.hpp"
#include "daemon/listeners.hpp"
#include "daemon/privileged_role.hpp"
#include "daemon/queue_role.hpp"
#include "daemon/role.hpp"
#include "maps/passwd.hpp"
#include "message/content_checks.hpp"
#include "milter/settings.hpp"
#include "smtp/address.hpp"
#include "server/context.hpp"
#include "server/delegates.hpp"
#include "tls/policy.hpp"
#include "tls/server_context.hpp"
#include "server/smtpd_role.hpp"

namespace tern::daemon {

namespace {

using ConfigPtr = std::shared_ptr<const config::Config>;

// Postfix's internal services: Tern does their work inside its own roles.
const std::set<std::string> kBuiltIn = {"pickup", "cleanup", "qmgr", "oqmgr", "tlsmgr", "rewrite",
                                        "trivial-rewrite", "bounce", "defer", "trace", "verify",
                                        "flush", "proxymap", "proxywrite", "showq", "anvil",
                                        "scache", "postlog", "postscreen", "dnsblog", "tlsproxy"};

struct Child {
  pid_t pid = -1;
  std::time_t started = 0;
  std::time_t restart_at = 0;  // when a dead role is due to be started again
};

class Master {
 public:
  Master(ConfigPtr cfg, Identity id) : cfg_(std::move(cfg)), id_(std::move(id)) {}
  int run();

 private:
  Status bind_all(const config::Config& cfg);
  void start_queue();
  void start_smtpd();
  void start_privileged();
  void reap();
  void reload();
  void refresh_smtpd();
  Status check_smtpd_contexts(const ConfigPtr& cfg) const;
  void watch_tls_files();
  void check_tls_files(std::time_t now);
  void stop_all();
  void software_notice(const char* role, pid_t pid, const std::string& how);
  std::vector<server::Listener> listeners_for(const config::Config& cfg) const;

  ConfigPtr cfg_;
  Identity id_;
  std::map<std::string, int> sockets_;  // ListenAddress::key() -> fd
  std::map<std::string, size_t> socket_service_;
  Child queue_, smtpd_, privileged_;
  // The privileged delivery helper's socketpair (root only): [0] the queue role's end,
  // [1] the helper's. The master keeps both, so restarted roles inherit the same channel.
  int priv_fds_[2] = {-1, -1};
  std::vector<pid_t> draining_;          // old smtpd processes finishing their sessions
  // TLS certificates and keys of the smtpd services: when one changes (a renewal), a new
  // smtpd takes over and the old one finishes its sessions — no restart, nothing dropped.
  std::vector<std::string> tls_files_;
  std::vector<tls::FileStamp> tls_stamps_;
  long tls_check_interval_ = 60;
  std::time_t next_tls_check_ = 0;
  log::Logger log_{"master"};
};

Status Master::bind_all(const config::Config& cfg) {
  std::map<std::string, int> next;
  socket_service_.clear();
  for (size_t i = 0; i < cfg.services.size(); ++i) {
    const auto& s = cfg.services[i];
    if (s.entry.type != "inet" || s.entry.command != "smtpd") continue;
    auto addrs = listen_addresses(s.entry, s.params);
    if (!addrs) return addrs.error();
    for (const auto& a : *addrs) {
      std::string k = a.key();
      socket_service_[k] = i;
      if (auto it = sockets_.find(k); it != sockets_.end()) {
        next[k] = it->second;
        continue;
      }
      auto fd = bind_listener(a);
      if (!fd) {
        for (auto& [nk, nfd] : next)
          if (!sockets_.count(nk)) ::close(nfd);
        return fd.error();
      }
      next[k] = *fd;
    }
  }
  for (auto& [k, fd] : sockets_)
    if (!next.count(k)) ::close(fd);
  sockets_ = std::move(next);
  return ok_status();
}

std::vector<server::Listener> Master::listeners_for(const config::Config&) const {
  std::vector<server::Listener> out;
  for (const auto& [k, fd] : sockets_) out.push_back({fd, socket_service_.at(k)});
  return out;
}

void Master::start_queue() {
  pid_t master = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    log_.error("fork: {}", errno_text(errno));
    queue_.restart_at = std::time(nullptr) + 1;
    return;
  }
  if (pid == 0) {
    for (auto& [k, fd] : sockets_) ::close(fd);
    if (priv_fds_[1] >= 0) ::close(priv_fds_[1]);
    enter_role(master, id_, "");
    std::_Exit(run_queue(cfg_, priv_fds_[0]));
  }
  queue_ = {pid, std::time(nullptr), 0};
}

// Root only: the one role that keeps root, to deliver with recipients' uids
// (privileged_role.cpp). It gets nothing but its end of the socketpair.
void Master::start_privileged() {
  if (priv_fds_[1] < 0) return;
  pid_t master = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    log_.error("fork: {}", errno_text(errno));
    privileged_.restart_at = std::time(nullptr) + 1;
    return;
  }
  if (pid == 0) {
    for (auto& [k, fd] : sockets_) ::close(fd);
    ::close(priv_fds_[0]);
    enter_role(master, Identity{}, "");
    std::_Exit(run_privileged(cfg_, priv_fds_[1]));
  }
  privileged_ = {pid, std::time(nullptr), 0};
}

void Master::start_smtpd() {
  if (sockets_.empty()) return;
  pid_t master = ::getpid();
  // Chroot as Postfix does when master.cf says so (column 5 "y"), into the directory that
  // holds only the queue's socket: smtpd can reach nothing else of the spool.
  bool chroot = id_.drop;
  for (const auto& s : cfg_->services)
    if (s.entry.command == "smtpd" && s.entry.chroot != "y") chroot = false;
  std::string qdir = cfg_->params.queue_directory;
  pid_t pid = ::fork();
  if (pid < 0) {
    log_.error("fork: {}", errno_text(errno));
    smtpd_.restart_at = std::time(nullptr) + 1;
    return;
  }
  if (pid == 0) {
    for (int fd : priv_fds_)
      if (fd >= 0) ::close(fd);
    std::string socket = chroot ? "/queue" : qdir + "/" + kQueueSocket;
    auto listeners = listeners_for(*cfg_);
    // Keys and the passwd database are read here, before the chroot and the drop to
    // mail_owner (as Postfix's smtpd does in its pre-jail step).
    auto contexts = server::prepare_smtpd(cfg_, listeners, socket);
    enter_role(master, id_, chroot ? qdir + "/private" : "");
    if (!contexts) log_.fatal("{}", contexts.error().message);
    std::_Exit(server::run_smtpd(cfg_, listeners, std::move(*contexts)));
  }
  smtpd_ = {pid, std::time(nullptr), 0};
}

void Master::reap() {
  int status = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                          : "exit status " + std::to_string(WEXITSTATUS(status));
    std::erase(draining_, pid);
    Child* c = pid == queue_.pid ? &queue_ : pid == smtpd_.pid ? &smtpd_ : pid == privileged_.pid ? &privileged_ : nullptr;
    if (!c) continue;
    const char* name = c == &queue_ ? "queue" : c == &smtpd_ ? "smtpd" : "privileged";
    log_.warning("process {} pid {} {}", name, pid, how);
    software_notice(name, pid, how);
    // A role that dies at once is throttled, so a broken one does not spin.
    std::time_t now = std::time(nullptr);
    c->restart_at = now - c->started < 10 ? now + 5 : now;
    c->pid = -1;
  }
}

void Master::reload() {
  auto cfg = config::load({cfg_->directory});
  if (!cfg) {
    log_.error("reload: {}; keeping the running configuration", cfg.error().message);
    return;
  }
  for (const auto& w : (*cfg)->warnings) log_.warning("{}", w);
  if (auto s = check_smtpd_contexts(*cfg); !s) {
    log_.error("reload: {}; keeping the running configuration", s.error().message);
    return;
  }
  if (auto s = bind_all(**cfg); !s) {
    log_.error("reload: {}; keeping the running configuration", s.error().message);
    return;
  }
  cfg_ = *cfg;
  log_.info("reload -- version {}, configuration {}", TERN_VERSION, cfg_->directory);
  watch_tls_files();
  refresh_smtpd();
  if (queue_.pid > 0) ::kill(queue_.pid, SIGHUP);
  if (privileged_.pid > 0) ::kill(privileged_.pid, SIGHUP);
}

// Everything a new smtpd will load (certificates and keys included) must load now, or
// the running one stays: retiring it first would leave the port without a server.
Status Master::check_smtpd_contexts(const ConfigPtr& cfg) const {
  server::SmtpdDelegates delegates;  // settings checked, nothing opened or connected
  for (const auto& s : cfg->services) {
    if (s.entry.type != "inet" || s.entry.command != "smtpd") continue;
    auto registry = delegates.registry(s);
    if (auto c = server::make_context(cfg, s, nullptr, &registry); !c) return c.error();
  }
  return ok_status();
}

// smtpd: a new process with the current snapshot; the old one finishes its sessions.
void Master::refresh_smtpd() {
  if (smtpd_.pid > 0) {
    ::kill(smtpd_.pid, SIGUSR1);
    draining_.push_back(smtpd_.pid);
    smtpd_.pid = -1;
  }
  start_smtpd();
}

void Master::watch_tls_files() {
  tls_files_.clear();
  for (const auto& s : cfg_->services) {
    if (s.entry.type != "inet" || s.entry.command != "smtpd") continue;
    auto policy = tls::ServerPolicy::from(s.params, s.entry.service);
    if (!policy || !policy->enabled()) continue;
    for (auto& f : policy->watched_files()) tls_files_.push_back(f);
    if (policy->reload_interval.count() > 0) tls_check_interval_ = std::min<long>(tls_check_interval_, policy->reload_interval.count());
  }
  tls_stamps_.clear();
  for (const auto& f : tls_files_) tls_stamps_.push_back(tls::stamp_file(f));
}

void Master::check_tls_files(std::time_t now) {
  if (tls_files_.empty() || now < next_tls_check_) return;
  next_tls_check_ = now + tls_check_interval_;
  for (size_t i = 0; i < tls_files_.size(); ++i) {
    auto st = tls::stamp_file(tls_files_[i]);
    if (st == tls_stamps_[i]) continue;
    for (size_t j = 0; j < tls_files_.size(); ++j) tls_stamps_[j] = tls::stamp_file(tls_files_[j]);
    if (auto st = check_smtpd_contexts(cfg_); !st) {
      log_.warning("{} changed but does not load ({}); the running smtpd keeps the old certificate",
                   tls_files_[i], st.error().message);
      return;
    }
    log_.info("{} changed: starting a new smtpd with it", tls_files_[i]);
    refresh_smtpd();
    return;
  }
}

// notify_classes = software: the postmaster hears about a role that died. The notice goes
// through maildrop/ like local mail, so it waits safely while the queue role restarts.
void Master::software_notice(const char* role, pid_t pid, const std::string& how) {
  const auto& p = cfg_->params;
  bool wanted = false;
  for (const auto& c : p.notify_classes) wanted |= c == "software";
  if (!wanted) return;
  std::string to = smtp::qualify_address(p.error_notice_recipient, p.myorigin);
  std::string content = "From: MAILER-DAEMON@" + p.myhostname + " (Mail Delivery System)\n" +
                        "To: " + to + "\nSubject: " + p.mail_name + " software problem: the " + role +
                        " role died\nAuto-Submitted: auto-generated\n\n" + "The " + role + " process (pid " +
                        std::to_string(pid) + ") of the mail system at " + p.myhostname + " ended: " + how +
                        ".\nThe master starts it again; see the mail log for what happened before.\n";
  Message m = cli::local_message(smtp::qualify_address(p.double_bounce_sender, p.myorigin), {to},
                                 std::move(content));
  auto id = cli::write_maildrop(p.queue_directory, m, id_.drop ? id_.user : "");
  if (!id) {
    log_.warning("software problem notice not written: {}", id.error().message);
    return;
  }
  log_.info("{}: postmaster software problem notice about the {} role", *id, role);
  cli::request_pickup(p.queue_directory);
}

void Master::stop_all() {
  std::vector<pid_t> all = draining_;
  if (smtpd_.pid > 0) all.push_back(smtpd_.pid);
  if (queue_.pid > 0) all.push_back(queue_.pid);
  if (privileged_.pid > 0) all.push_back(privileged_.pid);
  for (pid_t p : all) ::kill(p, SIGTERM);
  std::time_t deadline = std::time(nullptr) + 10;
  while (!all.empty() && std::time(nullptr) < deadline) {
    pid_t p = ::waitpid(-1, nullptr, WNOHANG);
    if (p > 0) std::erase(all, p);
    else if (p < 0 && errno == ECHILD) break;
    else ::usleep(20000);
  }
  for (pid_t p : all) ::kill(p, SIGKILL);
  while (::waitpid(-1, nullptr, 0) > 0) {}
}

int Master::run() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  if (auto s = bind_all(*cfg_); !s) log_.fatal("{}", s.error().message);
  log_.info("daemon started -- version {}, configuration {}", TERN_VERSION, cfg_->directory);
  watch_tls_files();
  next_tls_check_ = std::time(nullptr) + tls_check_interval_;
  if (id_.drop && ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, priv_fds_) != 0)
    log_.fatal("privileged delivery helper socketpair: {}", errno_text(errno));
  start_privileged();
  start_queue();
  start_smtpd();
  for (;;) {
    timespec tick{1, 0};
    int sig = ::sigtimedwait(&set, nullptr, &tick);
    std::time_t now = std::time(nullptr);
    if (sig == SIGCHLD) reap();
    else if (sig == SIGHUP) reload();
    else if (sig == SIGTERM || sig == SIGINT) {
      log_.info("terminating on signal {}", sig);
      stop_all();
      return 0;
    }
    if (queue_.pid < 0 && now >= queue_.restart_at) start_queue();
    if (smtpd_.pid < 0 && now >= smtpd_.restart_at) start_smtpd();
    if (privileged_.pid < 0 && now >= privileged_.restart_at) start_privileged();
    check_tls_files(now);
  }
}

std::string_view trim_pid(const char* s) {
  std::string_view v(s);
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  return v;
}

// One master per queue: an exclusive lock on pid/master.pid for the master's lifetime.
Status lock_pid_file(const std::string& qdir) {
  std::string dir = qdir + "/pid";
  if (auto s = make_dirs(dir, 0755); !s) return s;
  std::string path = dir + "/master.pid";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error{path + ": " + errno_text(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    (void)!::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    return Error{"the Tern mail system is already running (pid " + std::string(trim_pid(buf)) + ", " + path + ")"};
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  (void)!::ftruncate(fd, 0);
  (void)write_all(fd, pid, path);
  return ok_status();  // fd stays open (and locked) until we exit
}

// Whether a restriction list or class of main.cf or of an smtpd service names a word
// starting with `prefix` (reject_unverified_, check_greylist, check_spamtrap).
bool restrictions_name(const config::Config& cfg, std::string_view prefix) {
  auto in = [&](const std::vector<std::string>& words) {
    return std::any_of(words.begin(), words.end(), [&](const std::string& w) { return istarts_with(w, prefix); });
  };
  auto in_params = [&](const config::Params& p) {
    for (const auto* list : {&p.smtpd_client_restrictions, &p.smtpd_helo_restrictions, &p.smtpd_sender_restrictions,
                             &p.smtpd_relay_restrictions, &p.smtpd_recipient_restrictions, &p.smtpd_data_restrictions,
                             &p.smtpd_end_of_data_restrictions})
      if (in(*list)) return true;
    for (const auto& c : p.smtpd_restriction_classes)
      if (in(split_list(cfg.raw_value(c)))) return true;
    return false;
  };
  if (in_params(cfg.params)) return true;
  for (const auto& s : cfg.services)
    if (s.entry.command == "smtpd" && in_params(s.params)) return true;
  return false;
}

// The directory of an lmdb:PATH or PATH database name ("" when it has none).
std::string database_directory(std::string_view name) {
  if (istarts_with(name, "lmdb:")) name.remove_prefix(5);
  auto slash = name.rfind('/');
  return slash == std::string_view::npos || slash == 0 ? std::string() : std::string(name.substr(0, slash));
}

Status prepare_queue_directory(const config::Config& cfg, const Identity& id) {
  const config::Params& p = cfg.params;
  const std::string& q = p.queue_directory;
  if (auto s = make_dirs(q, 0755); !s) return s;
  if (auto s = make_dirs(q + "/private", 0700); !s) return s;
  if (id.drop) {
    // The spool belongs to mail_owner; so do the per-queue directories made later.
    for (const char* sub : {"", "/private", "/incoming", "/active", "/deferred", "/hold", "/corrupt", "/public",
                            "/maildrop"}) {
      std::string d = q + sub;
      ::mkdir(d.c_str(), 0700);
      if (::chown(d.c_str(), id.uid, id.gid) != 0)
        return Error{d + ": chown to " + id.user + ": " + errno_text(errno)};
    }
    // Before any role runs, so sendmail never finds it missing (and makes it as root).
    ::chmod((q + "/public").c_str(), 0755);
    ::chmod((q + "/maildrop").c_str(), 01733);
    // State directories the roles write as mail_owner: fetched MTA-STS policies (smtp),
    // DMARC results for `tern dmarc report` (smtpd), TLS-RPT counts for `tern tls-report` (smtp).
    auto owned_dir = [&](bool wanted, const std::string& d) -> Status {
      if (!wanted || d.empty()) return ok_status();
      if (auto s = make_dirs(d, 0700); !s) return s;
      if (::chown(d.c_str(), id.uid, id.gid) != 0) return Error{d + ": chown to " + id.user + ": " + errno_text(errno)};
      return ok_status();
    };
    // The address verification cache (queue role), where a restriction list uses it.
    bool verifies = restrictions_name(cfg, "reject_unverified_");
    std::string verify_dir;
    if (auto colon = p.address_verify_map.find(':'); colon != std::string::npos)
      if (auto slash = p.address_verify_map.rfind('/'); slash != std::string::npos && slash > colon)
        verify_dir = p.address_verify_map.substr(colon + 1, slash - colon - 1);
    if (auto s = owned_dir(verifies, verify_dir); !s) return s;
    // The greylist and spam trap blocklist databases (smtpd opens them before its chroot
    // and keeps them open after the drop to mail_owner).
    if (auto s = owned_dir(restrictions_name(cfg, "check_greylist"), database_directory(p.greylist_database)); !s)
      return s;
    if (auto s = owned_dir(restrictions_name(cfg, "check_spamtrap") && p.spamtrap_block_time.count() > 0,
                           database_directory(p.spamtrap_blocklist_database));
        !s)
      return s;
    for (auto [wanted, dir] : {std::pair{p.mta_sts_enable, &p.mta_sts_cache_directory},
                               std::pair{p.dmarc_report_enable && lower(trim(p.dmarc_mode)) != "off",
                                         &p.dmarc_report_database},
                               std::pair{p.smtp_tlsrpt_enable, &p.tlsrpt_database}})
      if (auto s = owned_dir(wanted, *dir); !s) return s;
    // Users of local_passwd_file have no system account: their homes are made here and
    // belong to them, since the privileged delivery helper delivers with their uid.
    if (!p.local_passwd_file.empty()) {
      auto text = read_file(p.local_passwd_file);
      if (!text) return text.error();
      auto users = maps::parse_passwd(*text, p.local_passwd_file);
      if (!users) return users.error();
      for (const auto& u : *users) {
        if (auto s = make_dirs(u.home, 0755); !s) return s;
        bool own = u.uid > 0 && u.gid > 0;  // root's home stays mail_owner's, as before
        if (::chown(u.home.c_str(), own ? uid_t(u.uid) : id.uid, own ? gid_t(u.gid) : id.gid) != 0)
          return Error{u.home + ": chown to " + (own ? "uid " + std::to_string(u.uid) : id.user) + ": " +
                       errno_text(errno)};
      }
    }
  }
  return ok_status();
}

}  // namespace

int run_master(const MasterOptions& opt) {
  log::Logger log("master");
  auto cfg = config::load({opt.config_dir});
  if (!cfg) {
    std::fprintf(stderr, "ternd: fatal: %s\n", cfg.error().message.c_str());
    return 1;
  }
  for (const auto& w : (*cfg)->warnings) std::fprintf(stderr, "ternd: warning: %s\n", w.c_str());
  const auto& p = (*cfg)->params;
  auto id = resolve_identity(p);
  if (!id) {
    std::fprintf(stderr, "ternd: fatal: %s\n", id.error().message.c_str());
    return 1;
  }
  // Everything a role will need must be valid before anything starts.
  server::SmtpdDelegates delegates;  // settings checked, nothing opened or connected
  for (const auto& s : (*cfg)->services) {
    if (s.entry.type != "inet" || s.entry.command != "smtpd") continue;
    if (auto a = listen_addresses(s.entry, s.params); !a) {
      std::fprintf(stderr, "ternd: fatal: %s\n", a.error().message.c_str());
      return 1;
    }
    auto registry = delegates.registry(s);
    if (auto c = server::make_context(*cfg, s, nullptr, &registry); !c) {
      std::fprintf(stderr, "ternd: fatal: %s\n", c.error().message.c_str());
      return 1;
    }
  }
  // Delivery services too: a bad pipe entry names its master.cf line before anything runs.
  if (auto a = delivery::Agents::make(**cfg); !a) {
    std::fprintf(stderr, "ternd: fatal: %s\n", a.error().message.c_str());
    return 1;
  }
  // And cleanup's header/body checks tables (a missing file, a bad pattern).
  if (auto c = ContentChecks::make(p, {(*cfg)->directory, p.local_passwd_file}); !c) {
    std::fprintf(stderr, "ternd: fatal: %s\n", c.error().message.c_str());
    return 1;
  }
  // And non_smtpd_milters (the queue role runs them for pickup): a bad endpoint is fatal now.
  if (!p.non_smtpd_milters.empty()) {
    if (auto m = milter::load_settings(p, p.non_smtpd_milters); !m) {
      std::fprintf(stderr, "ternd: fatal: non_smtpd_milters: %s\n", m.error().message.c_str());
      return 1;
    }
  }
  if (opt.check_only) return 0;
  if (auto s = log::open_sink(p.syslog_name, p.maillog_file, true); !s) {
    std::fprintf(stderr, "ternd: fatal: maillog_file: %s\n", s.error().message.c_str());
    return 1;
  }
  for (const auto& w : (*cfg)->warnings) log.write(log::Level::warning, w);
  for (const auto& s : (*cfg)->services)
    if (!(s.entry.type == "inet" && s.entry.command == "smtpd") && !kBuiltIn.count(s.entry.command) &&
        !(s.entry.type == "unix" && delivery::factory_for(s.entry.command)))
      log.info("{}:{}: service {} ({}) is not run by Tern yet", s.entry.file, s.entry.line,
               s.entry.service, s.entry.command);
  if (auto s = prepare_queue_directory(**cfg, *id); !s) log.fatal("{}", s.error().message);
  if (auto s = lock_pid_file(p.queue_directory); !s) log.fatal("{}", s.error().message);
  Master m(*cfg, *id);
  return m.run();
}

}  // namespace tern::daemon
