// The smtpd role; see smtpd_role.hpp.
#include "server/smtpd_role.hpp"

#include <sys/socket.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>

#include <csignal>

#include "base/log.hpp"
#include "server/context.hpp"
#include "server/queue_client.hpp"
#include "server/session.hpp"

namespace tern::server {

namespace {

using asio::ip::tcp;

struct Smtpd {
  asio::io_context io{1};
  QueueClient queue;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  size_t active = 0;
  bool draining = false;
  log::Logger log{"smtpd"};

  explicit Smtpd(const std::string& queue_socket) : queue(io, queue_socket) {}

  asio::awaitable<void> accept_loop(tcp::acceptor& acc, std::shared_ptr<const SmtpdContext> ctx) {
    for (;;) {
      asio::error_code ec;
      tcp::socket s = co_await acc.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || draining) co_return;
        log.warning("accept: {}", ec.message());
        continue;
      }
      auto session = std::make_shared<Session>(std::move(s), ctx, queue);
      ++active;
      asio::co_spawn(io, [this, session]() -> asio::awaitable<void> {
        co_await session->run();
        if (--active == 0 && draining) io.stop();
      }, asio::detached);
    }
  }
};

}  // namespace

int run_smtpd(std::shared_ptr<const config::Config> cfg, const std::vector<Listener>& listeners,
              const std::string& queue_socket) {
  Smtpd d(queue_socket);
  for (const auto& l : listeners) {
    auto ctx = make_context(cfg, cfg->services[l.service]);
    if (!ctx) d.log.fatal("{}", ctx.error().message);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&ss), &len);
    auto acc = std::make_unique<tcp::acceptor>(d.io);
    acc->assign(ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), ::dup(l.fd));
    asio::co_spawn(d.io, d.accept_loop(*acc, *ctx), asio::detached);
    d.acceptors.push_back(std::move(acc));
  }
  asio::signal_set signals(d.io, SIGTERM, SIGUSR1);
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
  return 0;
}

}  // namespace tern::server
