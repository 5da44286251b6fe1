// The queue role; see queue_role.hpp.
#include "daemon/queue_role.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <csignal>
#include <deque>

#include "base/file.hpp"
#include "base/log.hpp"
#include "base/queue_id.hpp"
#include "base/net.hpp"
#include "base/time.hpp"
#include "delivery/local.hpp"
#include "message/cleanup.hpp"
#include "message/maillog.hpp"
#include "queue/link.hpp"
#include "queue/scheduler.hpp"
#include "queue/store.hpp"
#include "route/resolve.hpp"

namespace tern::daemon {

namespace {

using asio::use_awaitable;
using stream = asio::local::stream_protocol;
using queue::QueueName;

// What deliveries need from the configuration; replaced as a whole on reload.
struct DeliveryEnv {
  std::shared_ptr<const config::Config> cfg;
  route::AddressResolver resolver;
  delivery::LocalDelivery local;
  queue::Backoff backoff;
};

Result<std::shared_ptr<const DeliveryEnv>> make_env(std::shared_ptr<const config::Config> cfg) {
  const auto& p = cfg->params;
  auto resolver = route::AddressResolver::make(p);
  if (!resolver) return resolver.error();
  auto local = delivery::LocalDelivery::make(p, {cfg->directory, p.local_passwd_file});
  if (!local) return local.error();
  queue::Backoff b{double(p.minimal_backoff_time.count()), double(p.maximal_backoff_time.count())};
  return std::make_shared<const DeliveryEnv>(DeliveryEnv{cfg, std::move(*resolver), std::move(*local), b});
}

class Connection;

// Local deliveries in parallel (Postfix's local_destination_concurrency_limit is 2).
constexpr size_t kDeliveryThreads = 2;

struct PendingCommit {
  std::shared_ptr<Message> message;
  std::shared_ptr<Connection> from;
  uint64_t seq;
};

class QueueService {
 public:
  QueueService(std::shared_ptr<const config::Config> cfg, std::shared_ptr<const DeliveryEnv> env,
               std::unique_ptr<queue::Store> store)
      : cfg_(std::move(cfg)), env_(std::move(env)), store_(std::move(store)),
        workers_(kDeliveryThreads) {}

  asio::io_context io{1};

  void submit(PendingCommit p);
  void recover();
  asio::awaitable<void> queue_runs();
  void reload();
  void shutdown();
  const config::Config& cfg() const { return *cfg_; }

 private:
  void start_commit();
  void deliver(std::shared_ptr<Message> m, QueueName where, double queued_at);
  void deliver_now(const DeliveryEnv& env, Message& m, QueueName where, double queued_at);
  void scan_deferred(double now);

  std::shared_ptr<const config::Config> cfg_;
  std::shared_ptr<const DeliveryEnv> env_;
  std::unique_ptr<queue::Store> store_;
  asio::thread_pool committer_{1};
  asio::thread_pool workers_;
  std::vector<PendingCommit> pending_;
  bool committing_ = false;
  log::Logger cleanup_log_{"cleanup"}, qmgr_log_{"qmgr"};
};

// One smtpd connection: reads Submit records, writes SubmitReply records.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(stream::socket s, QueueService& q) : sock_(std::move(s)), q_(q) {}

  asio::awaitable<void> read_loop() {
    wire::FrameParser parser;
    std::string buf(65536, '\0');
    for (;;) {
      asio::error_code ec;
      size_t n = co_await sock_.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      parser.feed(std::string_view(buf.data(), n));
      while (auto f = parser.next()) {
        auto r = queue::decode_submit(*f);
        if (!r) log_.fatal("malformed record from smtpd: {}", r.error().message);
        q_.submit({std::make_shared<Message>(std::move(r->message)), shared_from_this(), r->seq});
      }
      if (parser.error()) log_.fatal("malformed frame from smtpd");
    }
  }

  void send(const queue::SubmitReply& r) {
    out_ += queue::encode(r);
    if (!writing_)
      asio::co_spawn(sock_.get_executor(), [self = shared_from_this()]() { return self->write_loop(); },
                     asio::detached);
  }

 private:
  asio::awaitable<void> write_loop() {
    writing_ = true;
    while (!out_.empty()) {
      std::string batch;
      batch.swap(out_);
      asio::error_code ec;
      co_await asio::async_write(sock_, asio::buffer(batch), asio::redirect_error(use_awaitable, ec));
      if (ec) break;
    }
    writing_ = false;
  }

  stream::socket sock_;
  QueueService& q_;
  std::string out_;
  bool writing_ = false;
  log::Logger log_{"qmgr"};
};

bool is_local_client(const ClientInfo& c) {
  if (c.protocol == "LOCAL") return true;
  auto ip = IpAddress::parse(c.addr);
  if (!ip) return false;
  static const Cidr loop4 = *Cidr::parse("127.0.0.0/8"), loop6 = *Cidr::parse("::1/128");
  return loop4.contains(*ip) || loop6.contains(*ip);
}

void QueueService::submit(PendingCommit p) {
  Message& m = *p.message;
  const auto& params = cfg_->params;
  if (!is_valid_queue_id(m.envelope.queue_id) || m.envelope.recipients.empty())
    log::Logger("qmgr").fatal("submit record with a bad queue id or no recipients");
  CleanupOptions opt{params.always_add_missing_headers || is_local_client(m.envelope.client), params.myhostname};
  auto cr = cleanup(m, opt);
  maillog::message_id(cleanup_log_, m.envelope.queue_id, cr.message_id);
  pending_.push_back(std::move(p));
  if (!committing_) start_commit();
}

// Group commit: everything that arrived while the previous batch was being fsynced goes
// to disk together, and each sender hears back only when its batch is durable.
void QueueService::start_commit() {
  committing_ = true;
  auto batch = std::make_shared<std::vector<PendingCommit>>(std::move(pending_));
  pending_.clear();
  asio::post(committer_, [this, batch] {
    std::vector<const Message*> msgs;
    for (const auto& p : *batch) msgs.push_back(p.message.get());
    auto statuses = store_->commit(msgs);
    double now = now_seconds();
    asio::post(io, [this, batch, statuses = std::move(statuses), now] {
      for (size_t i = 0; i < batch->size(); ++i) {
        auto& p = (*batch)[i];
        const auto& e = p.message->envelope;
        queue::SubmitReply r{p.seq, bool(statuses[i]), e.queue_id, statuses[i] ? "" : statuses[i].error().message};
        if (!statuses[i]) qmgr_log_.error("{}: {}", e.queue_id, r.error);
        p.from->send(r);
        if (statuses[i]) {
          maillog::queued(qmgr_log_, e.queue_id, e.sender, p.message->content.size(), e.recipients.size());
          deliver(p.message, QueueName::active, now);
        }
      }
      committing_ = false;
      if (!pending_.empty()) start_commit();
    });
  });
}

void QueueService::deliver(std::shared_ptr<Message> m, QueueName where, double queued_at) {
  asio::post(workers_, [this, m, where, queued_at, env = env_] { deliver_now(*env, *m, where, queued_at); });
}

// Runs on a worker: delivers every recipient that is not final, records each outcome at
// once, and then removes, defers or holds the file.
void QueueService::deliver_now(const DeliveryEnv& env, Message& m, QueueName where, double queued_at) {
  const std::string& id = m.envelope.queue_id;
  log::Logger local_log("local");
  bool any_deferred = false, any_bounced = false;
  size_t n = m.envelope.recipients.size();
  for (size_t i = 0; i < n; ++i) {
    Recipient& r = m.envelope.recipients[i];
    if (r.state == RcptState::done || r.state == RcptState::bounced) continue;
    double start = now_seconds();
    auto route = env.resolver.resolve(r.address);
    std::vector<delivery::DeliveryResult> results;
    const log::Logger* logger = &local_log;
    if (route.cls == route::AddressClass::local) {
      results = env.local.deliver(m, i);
    } else {
      logger = &qmgr_log_;
      results.push_back(delivery::DeliveryResult::defer(
          "4.3.0", "delivery to remote domains is not implemented yet", "none", r.address));
    }
    double end = now_seconds();
    RcptState state = RcptState::done;
    std::string reason;
    for (const auto& res : results) {
      maillog::Delivery d;
      d.to = res.recipient;
      d.orig_to = r.address;
      d.relay = res.relay;
      d.dsn = res.dsn;
      d.text = res.text;
      d.status = res.kind == res.sent ? "sent" : res.kind == res.deferred ? "deferred" : "bounced";
      d.delays[0] = std::max(0.0, queued_at - m.envelope.arrival);
      d.delays[1] = std::max(0.0, start - queued_at);
      d.delays[3] = end - start;
      d.delay = end - m.envelope.arrival;
      maillog::delivery(*logger, id, d);
      if (res.kind == res.deferred) {
        state = RcptState::deferred;
        reason = res.text;
      } else if (res.kind == res.bounced && state != RcptState::deferred) {
        state = RcptState::bounced;
        reason = res.text;
      }
    }
    r.state = state;
    r.reason = reason;
    any_deferred |= state == RcptState::deferred;
    any_bounced |= state == RcptState::bounced;
    // With one recipient the file's removal is the record; otherwise append it now.
    if (n > 1 || state != RcptState::done)
      if (auto s = store_->record_outcome(id, where, i, state, end, reason); !s)
        qmgr_log_.warning("{}: {}", id, s.error().message);
  }
  if (!any_deferred && !any_bounced) {
    if (auto s = store_->remove(id, where); !s) qmgr_log_.warning("{}: {}", id, s.error().message);
    maillog::removed(qmgr_log_, id);
  } else if (any_deferred) {
    double next = queue::next_attempt(m.envelope.arrival, now_seconds(), env.backoff);
    if (auto s = store_->move(id, where, QueueName::deferred, next); !s)
      qmgr_log_.warning("{}: {}", id, s.error().message);
  } else {
    qmgr_log_.warning("{}: returning bounced mail to the sender is not implemented yet; "
                      "message held (see the hold queue)", id);
    (void)store_->move(id, where, QueueName::hold);
  }
}

void QueueService::scan_deferred(double now) {
  for (const auto& ref : store_->list(QueueName::deferred)) {
    if (ref.next_attempt > now) continue;
    auto pf = store_->load(ref.id, QueueName::deferred);
    if (pf.status != queue::ParseStatus::ok) continue;
    if (auto s = store_->move(ref.id, QueueName::deferred, QueueName::active); !s) continue;
    deliver(std::make_shared<Message>(std::move(pf.message)), QueueName::active, now);
  }
}

void QueueService::recover() {
  double now = now_seconds();
  for (QueueName q : {QueueName::incoming, QueueName::active}) {
    for (const auto& ref : store_->list(q)) {
      auto pf = store_->load(ref.id, q);
      if (pf.status == queue::ParseStatus::unsealed) {
        qmgr_log_.warning("{}: removing incomplete queue file (never acknowledged): {}", ref.id, pf.error);
        (void)store_->remove(ref.id, q);
        continue;
      }
      if (pf.status != queue::ParseStatus::ok) {
        qmgr_log_.warning("{}: corrupt queue file moved to corrupt/: {}", ref.id, pf.error);
        (void)store_->move(ref.id, q, QueueName::corrupt);
        continue;
      }
      const auto& e = pf.message.envelope;
      maillog::queued(qmgr_log_, e.queue_id, e.sender, pf.message.content.size(), e.recipients.size());
      deliver(std::make_shared<Message>(std::move(pf.message)), q, now);
    }
  }
  scan_deferred(now);
}

asio::awaitable<void> QueueService::queue_runs() {
  asio::steady_timer t(io);
  for (;;) {
    t.expires_after(std::chrono::seconds(std::max<long long>(1, cfg_->params.queue_run_delay.count())));
    asio::error_code ec;
    co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    scan_deferred(now_seconds());
  }
}

void QueueService::reload() {
  auto cfg = config::load({cfg_->directory});
  if (!cfg) {
    qmgr_log_.error("reload: {}; keeping the running configuration", cfg.error().message);
    return;
  }
  auto env = make_env(*cfg);
  if (!env) {
    qmgr_log_.error("reload: {}; keeping the running configuration", env.error().message);
    return;
  }
  cfg_ = *cfg;
  env_ = *env;
  qmgr_log_.info("reload: configuration {} loaded", cfg_->directory);
}

void QueueService::shutdown() {
  io.stop();
  committer_.join();
  workers_.join();
}

asio::awaitable<void> accept_loop(stream::acceptor& acc, QueueService& q) {
  for (;;) {
    asio::error_code ec;
    stream::socket s = co_await acc.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    auto c = std::make_shared<Connection>(std::move(s), q);
    asio::co_spawn(acc.get_executor(), [c]() { return c->read_loop(); }, asio::detached);
  }
}

}  // namespace

int run_queue(std::shared_ptr<const config::Config> cfg) {
  log::Logger log("qmgr");
  auto env = make_env(cfg);
  if (!env) log.fatal("{}", env.error().message);
  const std::string& qdir = cfg->params.queue_directory;
  auto store = queue::open_file_store(qdir);
  if (!store) log.fatal("{}", store.error().message);
  if (auto s = make_dirs(qdir + "/private", 0700); !s) log.fatal("{}", s.error().message);
  QueueService q(cfg, *env, std::move(*store));
  std::string sock_path = qdir + "/" + kQueueSocket;
  ::unlink(sock_path.c_str());
  stream::acceptor acc(q.io);
  asio::error_code ec;
  acc.open(stream(), ec);
  if (!ec) acc.bind(stream::endpoint(sock_path), ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) log.fatal("queue socket {}: {}", sock_path, ec.message());
  ::chmod(sock_path.c_str(), 0660);
  asio::co_spawn(q.io, accept_loop(acc, q), asio::detached);
  asio::co_spawn(q.io, q.queue_runs(), asio::detached);
  q.recover();
  asio::signal_set signals(q.io, SIGTERM, SIGHUP);
  std::function<void(const asio::error_code&, int)> on_signal = [&](const asio::error_code& e, int sig) {
    if (e) return;
    if (sig == SIGHUP) {
      q.reload();
      signals.async_wait(on_signal);
      return;
    }
    q.io.stop();
  };
  signals.async_wait(on_signal);
  q.io.run();
  q.shutdown();
  return 0;
}

}  // namespace tern::daemon
