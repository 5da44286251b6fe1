// The queue role: sockets and signals around the QueueManager; see queue_role.hpp.
#include "daemon/queue_role.hpp"
#include "daemon/role.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <csignal>
#include <optional>

#include "base/file.hpp"
#include "base/log.hpp"
#include "base/queue_id.hpp"
#include "delivery/privileged.hpp"
#include "milter/local_submission.hpp"
#include "queue/control.hpp"
#include "queue/link.hpp"
#include "queue/manager.hpp"
#include "queue/store.hpp"
#include "queue/verifier.hpp"

namespace tern::daemon {

namespace {

using asio::use_awaitable;
using stream = asio::local::stream_protocol;

// The address verification service's answer as a reply record.
queue::VerifyReply verify_reply(queue::Verifier& v, uint64_t seq, const std::string& address) {
  auto a = v.query(address);
  if (!a) return {seq, uint8_t(policy::VerifyStatus::deferred), a.error().message};
  return {seq, uint8_t(a->status), a->text};
}

// One smtpd connection: reads Submit and VerifyQuery records, writes SubmitReply and
// VerifyReply records.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(stream::socket s, queue::QueueManager& q, queue::Verifier& v) : sock_(std::move(s)), q_(q), v_(v) {}

  asio::awaitable<void> read_loop() {
    wire::FrameParser parser;
    std::string buf(65536, '\0');
    for (;;) {
      asio::error_code ec;
      size_t n = co_await sock_.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      parser.feed(std::string_view(buf.data(), n));
      while (auto f = parser.next()) {
        if (f->type == uint16_t(queue::LinkType::verify_query)) {
          auto vq = queue::decode_verify_query(*f);
          if (!vq) log_.fatal("malformed record from smtpd: {}", vq.error().message);
          send(verify_reply(v_, vq->seq, vq->address));
          continue;
        }
        auto r = queue::decode_submit(*f);
        if (!r) log_.fatal("malformed record from smtpd: {}", r.error().message);
        const auto& e = r->message.envelope;
        if (!is_valid_queue_id(e.queue_id) || e.recipients.empty())
          log_.fatal("submit record with a bad queue ID or no recipients");
        auto msg = std::make_shared<Message>(std::move(r->message));
        uint64_t seq = r->seq;
        q_.submit(msg, [self = shared_from_this(), seq, id = msg->envelope.queue_id](const queue::Submitted& s) {
          self->send(queue::SubmitReply{seq, bool(s.status), id, s.status ? "" : s.status.error().message, s.refusal});
        });
      }
      if (parser.error()) log_.fatal("malformed frame from smtpd");
    }
  }

 private:
  template <class Record>
  void send(const Record& r) {
    out_ += queue::encode(r);
    if (!writing_)
      asio::co_spawn(sock_.get_executor(), [self = shared_from_this()]() { return self->write_loop(); },
                     asio::detached);
  }

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
  queue::QueueManager& q_;
  queue::Verifier& v_;
  std::string out_;
  bool writing_ = false;
  log::Logger log_{"qmgr"};
};

// One control request per connection (postqueue -f, sendmail's pickup, postsuper's rescan).
asio::awaitable<void> serve_control(stream::socket s, queue::QueueManager& q, queue::Verifier& v) {
  asio::streambuf buf(4096);
  asio::error_code ec;
  co_await asio::async_read_until(s, buf, '\n', asio::redirect_error(use_awaitable, ec));
  std::string reply;
  if (ec) {
    reply = "error request too long or incomplete\n";
  } else {
    std::string line(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
    auto req = queue::parse_control(line);
    if (!req) {
      reply = "error " + req.error().message + "\n";
    } else {
      reply = "ok\n";
      switch (req->verb) {
        case queue::ControlVerb::flush: q.flush_all(); break;
        case queue::ControlVerb::flush_site: q.flush_site(req->arg); break;
        case queue::ControlVerb::flush_id:
          if (auto st = q.flush_id(req->arg); !st) reply = "error " + st.error().message + "\n";
          break;
        case queue::ControlVerb::pickup: q.pickup(); break;
        case queue::ControlVerb::rescan: q.rescan(); break;
        case queue::ControlVerb::verify: {
          auto r = verify_reply(v, 0, req->arg);
          reply = std::string("ok ") + policy::status_name(policy::VerifyStatus(r.status)) + " " + r.text + "\n";
          break;
        }
      }
    }
  }
  co_await asio::async_write(s, asio::buffer(reply), asio::redirect_error(use_awaitable, ec));
}

template <class Handler>
asio::awaitable<void> accept_loop(stream::acceptor& acc, Handler h) {
  for (;;) {
    asio::error_code ec;
    stream::socket s = co_await acc.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    h(std::move(s));
  }
}

stream::acceptor listen_at(asio::io_context& io, const std::string& path, int mode, const log::Logger& log) {
  ::unlink(path.c_str());
  stream::acceptor acc(io);
  asio::error_code ec;
  acc.open(stream(), ec);
  if (!ec) acc.bind(stream::endpoint(path), ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) log.fatal("socket {}: {}", path, ec.message());
  ::chmod(path.c_str(), mode_t(mode));
  return acc;
}

// A milter verdict as the queue manager takes it.
queue::MilterOutcome outcome(const milter::Verdict& v) {
  queue::MilterOutcome o;
  o.discard = v.discard;
  o.hold = v.hold;
  o.hold_reason = v.hold_reason;
  if (v.reply) {
    o.reply = v.reply->wire();
    o.reply = o.reply.substr(0, o.reply.find("\r\n"));  // the first line of a multi-line reply
    if (o.reply.size() > 3) o.reply[3] = ' ';
  }
  return o;
}

// non_smtpd_milters over one local submission, on the role's io_context (the manager's
// main executor, so `done` runs where the manager expects it).
asio::awaitable<void> run_milters(asio::any_io_executor ex, std::shared_ptr<const milter::Settings> ms,
                                  std::string myhostname, std::shared_ptr<Message> m,
                                  std::function<void(queue::MilterOutcome)> done, const log::Logger& log) {
  auto v = co_await milter::filter_local_submission(ex, *ms, log, std::move(myhostname), *m);
  done(outcome(v));
}

}  // namespace

int run_queue(std::shared_ptr<const config::Config> cfg, int privileged_fd) {
  log::Logger log("qmgr");
  auto settings = queue::make_settings(cfg);
  if (!settings) log.fatal("{}", settings.error().message);
  const std::string& qdir = cfg->params.queue_directory;
  auto store = queue::open_file_store(qdir, /*recycle=*/true);
  if (!store) log.fatal("{}", store.error().message);
  for (const char* d : {"/private", "/public"})
    if (auto s = make_dirs(qdir + d, d[2] == 'r' ? 0700 : 0755); !s) log.fatal("{}", s.error().message);
  if (auto s = make_dirs(qdir + "/" + queue::kMaildrop, 01733); !s) log.fatal("{}", s.error().message);
  ::chmod((qdir + "/" + queue::kMaildrop).c_str(), 01733);

  asio::io_context io{1};
  asio::thread_pool committer(1), workers((*settings)->workers);
  queue::Executors ex{[&](queue::Task t) { asio::post(io, std::move(t)); },
                      [&](queue::Task t) { asio::post(committer, std::move(t)); },
                      [&](queue::Task t) { asio::post(workers, std::move(t)); }};
  queue::QueueManager q(**store, ex, *settings);
  std::optional<delivery::PrivilegedDelivery> privileged;
  if (privileged_fd >= 0) q.set_privileged(&privileged.emplace(privileged_fd));
  // Probes are queued like any message; one that cannot be queued is a deferral.
  std::unique_ptr<queue::Verifier> verifier;
  verifier = std::make_unique<queue::Verifier>(cfg->params, [&](std::shared_ptr<Message> probe) {
    std::string address = probe->envelope.recipients.front().address;
    // Probes are Tern's own mail: not inspected by header/body checks.
    q.submit(
        probe,
        [&, address](const queue::Submitted& s) {
          if (!s.status)
            verifier->record(address, policy::VerifyStatus::deferred, "probe not queued: " + s.status.error().message);
        },
        false);
  });
  q.set_verifier(verifier.get());
  log::Logger milter_log("cleanup");  // Postfix's cleanup logs its milters' trouble
  q.set_milter_run([&io, &milter_log](std::shared_ptr<const milter::Settings> ms, const std::string& myhostname,
                         std::shared_ptr<Message> m, std::function<void(queue::MilterOutcome)> done) {
    asio::co_spawn(io, run_milters(io.get_executor(), std::move(ms), myhostname, std::move(m), std::move(done),
                                   milter_log),
                   asio::detached);
  });

  auto link = listen_at(io, qdir + "/" + kQueueSocket, 0660, log);
  auto control = listen_at(io, qdir + "/" + queue::kControlSocket, 0666, log);
  asio::co_spawn(io, accept_loop(link, [&](stream::socket s) {
    auto c = std::make_shared<Connection>(std::move(s), q, *verifier);
    asio::co_spawn(io, [c]() { return c->read_loop(); }, asio::detached);
  }), asio::detached);
  asio::co_spawn(io, accept_loop(control, [&](stream::socket s) {
    asio::co_spawn(io, serve_control(std::move(s), q, *verifier), asio::detached);
  }), asio::detached);

  // Queue runs: deferred mail whose time has come, and maildrop files nobody announced.
  asio::steady_timer runs(io);
  std::function<void()> arm = [&] {
    runs.expires_after(std::chrono::seconds(std::max<long long>(1, cfg->params.queue_run_delay.count())));
    runs.async_wait([&](const asio::error_code& ec) {
      if (ec) return;
      q.queue_run();
      q.pickup();
      arm();
    });
  };
  arm();
  // address_verify_cache_cleanup_interval: expired verify results leave the cache.
  asio::steady_timer cleanup(io);
  std::function<void()> arm_cleanup = [&] {
    long long every = cfg->params.address_verify_cache_cleanup_interval.count();
    if (every <= 0) return;
    cleanup.expires_after(std::chrono::seconds(every));
    cleanup.async_wait([&](const asio::error_code& ec) {
      if (ec) return;
      if (size_t n = verifier->purge()) log.info("verify cache cleanup: {} expired entries removed", n);
      arm_cleanup();
    });
  };
  arm_cleanup();
  asio::post(io, [&] { q.recover(); });

  asio::signal_set signals(io, SIGTERM, SIGHUP);
  role_signals_ready();
  std::function<void(const asio::error_code&, int)> on_signal = [&](const asio::error_code& e, int sig) {
    if (e) return;
    if (sig == SIGHUP) {
      auto next = config::load({cfg->directory});
      auto s = next ? queue::make_settings(*next) : Result<std::shared_ptr<const queue::ManagerSettings>>(next.error());
      if (!s) {
        log.error("reload: {}; keeping the running configuration", s.error().message);
      } else {
        if ((*next)->params.address_verify_map != cfg->params.address_verify_map)
          log.warning("reload: address_verify_map changed; the verify cache changes at the next start");
        cfg = *next;
        q.reload(*s);
        verifier->reconfigure(queue::ProbeSettings::from(cfg->params));
        log.info("reload: configuration {} loaded", cfg->directory);
      }
      signals.async_wait(on_signal);
      return;
    }
    io.stop();
  };
  signals.async_wait(on_signal);
  io.run();
  // Let deliveries and the commit in progress finish; their results are on disk already
  // (outcomes are appended by the workers), so nothing is lost by not waiting for main.
  committer.join();
  workers.join();
  return 0;
}

}  // namespace tern::daemon
