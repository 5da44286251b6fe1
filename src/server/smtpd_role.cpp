// The smtpd role; see smtpd_role.hpp.
#include "server/smtpd_role.hpp"

#include <pthread.h>
#include <sys/socket.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <csignal>

#include "base/log.hpp"
#include "base/time.hpp"
#include "server/anvil.hpp"
#include "server/context.hpp"
#include "server/delegates.hpp"
#include "server/queue_client.hpp"
#include "server/session.hpp"

namespace tern::server {

namespace {

using asio::ip::tcp;

struct Smtpd {
  std::shared_ptr<asio::io_context> io_owner;
  asio::io_context& io;
  std::shared_ptr<QueueClient> queue_owner;
  QueueClient& queue;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  size_t active = 0;
  bool draining = false;
  log::Logger log{"smtpd"};
  std::unique_ptr<Anvil> anvil;

  Smtpd(std::shared_ptr<asio::io_context> owner, std::shared_ptr<QueueClient> q)
      : io_owner(std::move(owner)), io(*io_owner), queue_owner(std::move(q)), queue(*queue_owner) {}

  // smtpd_client_connection_count_limit / _rate_limit: a client over a limit hears 421.
  // Clients in smtpd_client_event_limit_exceptions are not counted at all (Postfix).
  // The session's counters, or none when it was refused (the socket is then closed).
  std::optional<ClientRates> admit(tcp::socket& s, const SmtpdContext& ctx, const std::string& addr) {
    auto ip = IpAddress::parse(addr);
    if (ip && SmtpdContext::in(ctx.limit_exceptions, *ip)) return ClientRates{};
    const RateLimits& limits = ctx.rate_limits;
    double now = now_seconds();
    Anvil::Client& c = anvil->connect(ctx.service, addr, now);
    uint32_t rate = c.rate[size_t(RateEvent::connection)];
    uint32_t rate_limit = limits.rate[size_t(RateEvent::connection)];
    const char* what = nullptr;
    uint32_t n = 0;
    if (limits.concurrency > 0 && c.concurrent > limits.concurrency) {
      what = "Connection concurrency limit exceeded";
      n = c.concurrent;
    } else if (rate_limit > 0 && rate > rate_limit) {
      what = "Connection rate limit exceeded";
      n = rate;
    }
    if (!what) return ClientRates(*anvil, c, limits);
    log.warning("{}: {} from unknown[{}] for service {}", what, n, addr, ctx.service);
    std::string reply = "421 4.7.0 " + ctx.params->myhostname + " Error: too many connections from " + addr + "\r\n";
    asio::error_code ec;
    asio::write(s, asio::buffer(reply), ec);
    s.close(ec);
    anvil->disconnect(c, now);
    return std::nullopt;
  }

  // Every anvil_status_update_time: the highest counts, as Postfix's anvil logs them.
  asio::awaitable<void> status_loop(std::chrono::seconds every) {
    asio::steady_timer t(io);
    log::Logger anvil_log{"anvil"};
    for (;;) {
      t.expires_after(every);
      asio::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      for (const auto& line : anvil->statistics()) anvil_log.info("{}", line);
    }
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acc, std::shared_ptr<const SmtpdContext> ctx) {
    for (;;) {
      asio::error_code ec;
      tcp::socket s = co_await acc.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || draining) co_return;
        log.warning("accept: {}", ec.message());
        continue;
      }
      std::string addr = peer_address(s);
      auto rates = admit(s, *ctx, addr);
      if (!rates) continue;
      auto session = std::make_shared<Session>(std::move(s), ctx, queue, addr);
      session->set_rates(*rates);
      ++active;
      asio::co_spawn(io, [this, session, rates = *rates]() -> asio::awaitable<void> {
        co_await session->run();
        rates.disconnect(now_seconds());
        if (--active == 0 && draining) io.stop();
      }, asio::detached);
    }
  }
};

}  // namespace

Result<PreparedSmtpd> prepare_smtpd(std::shared_ptr<const config::Config> cfg,
                                    const std::vector<Listener>& listeners, const std::string& queue_socket) {
  PreparedSmtpd out{std::make_shared<asio::io_context>(1), {}, nullptr};
  out.queue = std::make_shared<QueueClient>(*out.io, queue_socket);
  // One set for the role: services naming a word with the same settings share its delegate.
  SmtpdDelegates delegates(out.io.get(), out.queue.get());
  for (const auto& l : listeners) {
    const auto& service = cfg->services[l.service];
    auto registry = delegates.registry(service);
    auto ctx = make_context(cfg, service, out.io.get(), &registry);
    if (!ctx) return ctx.error();
    out.contexts.push_back(*ctx);
  }
  return out;
}

int run_smtpd(std::shared_ptr<const config::Config> cfg, const std::vector<Listener>& listeners,
              PreparedSmtpd prepared) {
  const Contexts& contexts = prepared.contexts;
  Smtpd d(prepared.io, prepared.queue);
  d.anvil = std::make_unique<Anvil>(double(std::max<long long>(1, cfg->params.anvil_rate_time_unit.count())));
  asio::co_spawn(d.io, d.status_loop(std::max(std::chrono::seconds(1), cfg->params.anvil_status_update_time)),
                 asio::detached);
  for (size_t i = 0; i < listeners.size(); ++i) {
    const auto& l = listeners[i];
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&ss), &len);
    auto acc = std::make_unique<tcp::acceptor>(d.io);
    acc->assign(ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), ::dup(l.fd));
    asio::co_spawn(d.io, d.accept_loop(*acc, contexts[i]), asio::detached);
    d.acceptors.push_back(std::move(acc));
  }
  asio::signal_set signals(d.io, SIGTERM, SIGUSR1);
  {  // the master's control signals were held (blocked) until this handler existed
    sigset_t control;
    sigemptyset(&control);
    for (int sig : {SIGTERM, SIGUSR1}) sigaddset(&control, sig);
    ::pthread_sigmask(SIG_UNBLOCK, &control, nullptr);
  }
  std::function<void(const asio::error_code&, int)> on_signal = [&](const asio::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGUSR1) {
      d.draining = true;
      for (auto& a : d.acceptors) {
        asio::error_code ignore;
        a->close(ignore);
      }
      if (d.active == 0) d.io.stop();
      signals.async_wait(on_signal);
      return;
    }
    d.io.stop();
  };
  signals.async_wait(on_signal);
  d.io.run();
  for (const auto& line : d.anvil->statistics()) log::Logger{"anvil"}.info("{}", line);  // at exit, as Postfix
  return 0;
}

}  // namespace tern::server
