// The queue manager: what happens to a message from "durable" to "gone".
//
//   submit ─► cleanup ─► non_smtpd_milters (pickup) ─► DKIM signing ─► group commit
//     (one fsync batch) ─► reply ─► activate
//   activate ─► route each pending recipient (or, for a message with a content filter,
//              send them all to the filter) ─► Scheduler jobs ─► workers deliver
//   all jobs done ─► finalize: outcomes recorded; bounces, delay and success notices
//   (RFC 3464) queued as new messages; postmaster copies by notify_classes; expiry;
//   then the file is removed, deferred (with its next attempt) or held.
//   An address verification probe ends differently: its recipients' outcomes go to the
//   Verifier (the verify cache), and the file is removed after its one attempt.
//
// Threads: every method runs on the "main" executor; blocking work goes to the "commit"
// executor (one at a time: that is what makes commits group) and the "worker" executor
// (deliveries). Tests inject executors that run inline and a MemoryStore.
#pragma once
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "base/net.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "delivery/agent.hpp"
#include "dkim/signing_policy.hpp"
#include "message/content_checks.hpp"
#include "message/envelope.hpp"
#include "message/receive_overrides.hpp"
#include "milter/settings.hpp"
#include "queue/dsn.hpp"
#include "queue/scheduler.hpp"
#include "queue/store.hpp"
#include "queue/verifier.hpp"
#include "route/rewrite.hpp"

namespace tern::queue {

// local_header_rewrite_clients: whose message headers cleanup rewrites as local mail.
struct HeaderRewriteClients {
  bool all = false, inet_interfaces = false, mynetworks = false, sasl = false;
  std::vector<IpAddress> interfaces;
  std::vector<Cidr> networks;
  static Result<HeaderRewriteClients> make(const config::Params& p);
  bool applies(const ClientInfo& c) const;
};

// What the manager needs from the configuration; rebuilt as a whole on reload.
struct ManagerSettings {
  std::shared_ptr<const config::Config> cfg;
  route::Rewriter rewriter;  // cleanup's envelope rewriting; rewriter.resolver() routes
  // Routes address verification probes: the address_verify_* transports, relayhost and
  // maps in place of the ordinary ones (as Postfix's trivial-rewrite verify class).
  route::AddressResolver probe_resolver;
  HeaderRewriteClients header_rewrite;
  HeaderRewriteClients dkim_signers;  // local submission, mynetworks, SASL-authenticated
  std::shared_ptr<const dkim::SigningPolicy> dkim_signing;
  ContentChecks content_checks;              // header_checks, body_checks, ...
  // cleanup without address mappings (receive_override_options = no_address_mappings):
  // qualification only, no canonical maps, virtual aliases or masquerading.
  route::Rewriter unmapped_rewriter;
  ReceiveOverrides pickup_overrides;         // receive_override_options in main.cf (pickup)
  std::string pickup_filter;                 // content_filter in main.cf (pickup)
  std::string default_filter_nexthop;        // for a filter that names no nexthop
  // non_smtpd_milters (null: none): pickup's mail passes them after cleanup.
  std::shared_ptr<const milter::Settings> non_smtpd_milters;
  delivery::Agents agents;
  Backoff backoff;
  SchedulerLimits limits;
  double max_lifetime = 5 * 86400;
  double bounce_lifetime = 5 * 86400;
  double delay_warning = 0;
  std::set<std::string> notify;  // notify_classes
  std::string bounce_notice, two_bounce_notice, delay_notice, error_notice;
  std::string double_bounce_sender;  // full address
  std::string myhostname, myorigin;
  size_t active_limit = 20000;
  bool disable_verp_bounces = false;
  size_t workers = 2;
};

Result<std::shared_ptr<const ManagerSettings>> make_settings(std::shared_ptr<const config::Config> cfg);

using Task = std::function<void()>;
struct Executors {
  std::function<void(Task)> main, commit, worker;
};

// What became of a submitted message.
struct Submitted {
  Status status = ok_status();  // an error: it is not durable (the client retries)
  std::string refusal;          // cleanup refused it (header/body checks REJECT): the reply to
                                // give ("550 5.7.1 text"); nothing was queued
};

// What non_smtpd_milters made of a local submission.
struct MilterOutcome {
  std::string reply;  // refused: "550 5.7.1 text" (a 4xx: the submission is tried again later)
  bool discard = false;
  bool hold = false;
  std::string hold_reason;
};

// Runs the milters over a message (edits applied to it) and calls back on the main
// executor. The queue role provides it (milter/local_submission.hpp on its io_context);
// this library stays free of coroutines.
// `myhostname`: the j macro.
using MilterRun = std::function<void(std::shared_ptr<const milter::Settings>, const std::string& myhostname,
                                     std::shared_ptr<Message>, std::function<void(MilterOutcome)>)>;

class QueueManager {
 public:
  using Done = std::function<void(const Submitted&)>;

  QueueManager(Store& store, Executors ex, std::shared_ptr<const ManagerSettings> s);

  // A new message (its queue ID set, recipients pending). `done` runs once it is durable
  // (or failed, or refused); only then may the client hear 250. `inspect`: header and body
  // checks apply (mail from outside; not our notices or forwarded copies, as Postfix's
  // internal_mail_filter_classes is empty by default). `non_smtpd_milters`: a local
  // submission (pickup) that passes non_smtpd_milters after cleanup.
  void submit(std::shared_ptr<Message> m, Done done, bool inspect = true, bool non_smtpd_milters = false);
  void recover();                         // at start: incoming/, active/, maildrop/, due deferred
  void queue_run();                       // deferred mail whose time has come
  void flush_all();                       // postqueue -f
  void flush_site(const std::string& domain);
  Status flush_id(const std::string& id);
  void pickup();                          // maildrop/ (sendmail)
  void rescan();                          // after postsuper changed the directories
  void reload(std::shared_ptr<const ManagerSettings> s) { settings_ = std::move(s); }
  size_t active() const { return active_.size(); }
  bool idle() const {
    std::lock_guard lock(commit_mu_);
    return active_.empty() && !committing_ && pending_.empty() && committed_unseen_ == 0;
  }

  // The privileged delivery helper's client, handed to agents in each Request; set once
  // before the first delivery (nullptr: none, ternd is not root).
  void set_privileged(const delivery::PrivilegedDelivery* p) { privileged_ = p; }
  // The address verification service that probes report to; nullptr: none (probe
  // results are then only logged).
  void set_verifier(Verifier* v) { verifier_ = v; }
  // Who runs non_smtpd_milters; set once before the first pickup. Without it, a
  // configuration with non_smtpd_milters defers local submissions (logged).
  void set_milter_run(MilterRun run) { milter_run_ = std::move(run); }

 private:
  struct Active {
    std::shared_ptr<Message> msg;
    QueueName where;
    double activated = 0;
    size_t jobs_left = 0;
    std::vector<size_t> bounced_now, delivered_now;  // recipient indices, this attempt
  };
  struct RcptResult {
    size_t index;
    RcptState state;
    std::string reason, dsn, final_rcpt;
    bool dsn_passed_on = false;  // the next hop sends the success notice (DeliveryResult)
  };
  struct JobResult {
    std::vector<RcptResult> rcpts;
    bool destination_failed = false;
  };

  // Header/body checks; false when the message goes no further (`done` has run).
  bool run_checks(Message& m, const Done& done);
  void bounce_refused(const Message& m, const std::string& reply);
  // After cleanup: DKIM signing, then the group commit.
  void sign_and_commit(std::shared_ptr<Message> m, Done done);
  // non_smtpd_milters' verdict on a local submission.
  void milters_done(std::shared_ptr<Message> m, const std::vector<std::string>& before, const Done& done,
                    const MilterOutcome& o);
  void start_commit();
  void activate(std::shared_ptr<Message> m, QueueName where);
  void pump();
  // One job of a delivery run, with what it needs on the worker.
  struct Run {
    Job job;
    std::shared_ptr<Message> msg;
    QueueName where;
    double activated;
  };
  // An agent's answer to one job, not yet logged or recorded.
  struct Attempt {
    delivery::Outcome outcome;
    const log::Logger* logger = nullptr;  // the transport's (nullptr: qmgr's)
    double end = 0;
  };
  std::vector<JobResult> run_jobs(const ManagerSettings& s, const std::vector<Run>& runs);
  Attempt attempt(const ManagerSettings& s, const Message& m, const Job& job, double activated);
  JobResult account(const Message& m, QueueName where, const Job& job, double activated, double start, Attempt a);
  void job_done(const Job& job, JobResult r);
  const log::Logger& agent_logger(const std::string& transport);
  void defer_job(const Job& job, const std::string& reason, const std::string& dsn = "4.4.1");
  void finalize(uint64_t handle);
  void finish_probe(Active& a);
  void notify_sender(Active& a, DsnKind kind, const std::vector<size_t>& rcpts);
  void notify_postmaster(const Message& m, DsnKind kind, const std::vector<size_t>& rcpts,
                         const std::string& to, const char* what);
  void queue_notice(Message m, const std::string& about_id, const std::string& what);
  // From a worker: queues `m` (a forwarded copy) like a notice and waits until it is
  // durable; returns its new queue ID (delivery::Request::resubmit).
  Result<std::string> resubmit(Message m);
  void load_and_activate(const std::string& id, QueueName q);
  void move_deferred_to_active(const std::string& id);

  Store& store_;
  Executors ex_;
  const delivery::PrivilegedDelivery* privileged_ = nullptr;
  Verifier* verifier_ = nullptr;
  MilterRun milter_run_;
  std::shared_ptr<const ManagerSettings> settings_;
  Scheduler scheduler_;
  struct Pending {
    std::shared_ptr<Message> msg;
    Done done;
  };
  // Submitted, waiting for the commit loop (main adds, the commit executor takes).
  mutable std::mutex commit_mu_;
  std::vector<Pending> pending_;
  bool committing_ = false;  // the commit loop is running
  size_t committed_unseen_ = 0;  // batches on disk whose completion main has not run yet
  void committed(std::vector<Pending>& batch, const std::vector<Status>& statuses);  // on main
  std::map<uint64_t, Active> active_;
  std::set<std::string> in_memory_;     // queue IDs in active_ (or being committed)
  std::deque<std::pair<std::string, QueueName>> backlog_;  // over qmgr_message_active_limit
  std::map<std::string, std::string> dead_reason_;         // destination -> why it failed
  uint64_t next_handle_ = 1;
  size_t running_ = 0;
  std::mutex loggers_mutex_;  // agent_loggers_ is filled from worker threads
  std::map<std::string, std::unique_ptr<log::Logger>> agent_loggers_;
  log::Logger qmgr_{"qmgr"}, cleanup_{"cleanup"}, bounce_{"bounce"}, pickup_{"pickup"};
};

}  // namespace tern::queue
