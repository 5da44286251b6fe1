// One milter connection; see client.hpp.
#include "milter/client.hpp"

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::milter {

using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

namespace {

// The action bit a modification needs (0: not a modification).
uint32_t needed_action(ReplyCode c) {
  switch (c) {
    case ReplyCode::add_header:
    case ReplyCode::insert_header: return action::add_headers;
    case ReplyCode::change_header: return action::change_headers;
    case ReplyCode::replace_body: return action::change_body;
    case ReplyCode::add_rcpt: return action::add_rcpt;
    case ReplyCode::add_rcpt_par: return action::add_rcpt_par;
    case ReplyCode::del_rcpt: return action::del_rcpt;
    case ReplyCode::change_from: return action::change_from;
    case ReplyCode::quarantine: return action::quarantine;
    default: return 0;
  }
}

asio::generic::stream_protocol::endpoint to_asio(const Endpoint& e) {
  if (e.local) return asio::local::stream_protocol::endpoint(e.path);
  auto addr = asio::ip::make_address(e.address.to_string());
  return asio::ip::tcp::endpoint(addr, e.port);
}

}  // namespace

Connection::Connection(asio::any_io_executor ex, const Endpoint& endpoint, const Settings& settings,
                       const log::Logger& log)
    : sock_(ex), endpoint_(endpoint), settings_(settings), log_(log) {}

void Connection::fail(std::string_view why) {
  if (open_ || sock_.is_open())
    log_.warning("milter {}: {}", endpoint_.spec, why);
  close();
}

void Connection::close() {
  asio::error_code ec;
  sock_.close(ec);
  open_ = false;
}

asio::awaitable<bool> Connection::connect() {
  auto ep = to_asio(endpoint_);
  asio::error_code ec;
  sock_.open(ep.protocol(), ec);
  if (ec) {
    log_.warning("milter {}: socket: {}", endpoint_.spec, ec.message());
    co_return false;
  }
  asio::steady_timer t(sock_.get_executor(), settings_.connect_timeout);
  asio::error_code timer_ec;  // the timer's own: the operation's ec must not see its abort
  auto r = co_await (sock_.async_connect(ep, asio::redirect_error(use_awaitable, ec)) ||
                     t.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
  if (r.index() == 1) {
    log_.warning("milter {}: timeout connecting after {}s", endpoint_.spec, settings_.connect_timeout.count());
    close();
    co_return false;
  }
  if (ec) {
    log_.warning("milter {}: connect: {}", endpoint_.spec, ec.message());
    close();
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Connection::open() {
  if (!co_await connect()) co_return false;
  open_ = true;
  if (!co_await exchange(encode_optneg(settings_.version, action::all, step::offered), false, false))
    co_return false;
  asio::steady_timer t(sock_.get_executor(), settings_.command_timeout);
  auto p = co_await next_packet(t, "negotiation");
  if (!p) co_return false;
  if (p->code != char(Command::optneg)) {
    fail("negotiation: expected SMFIC_OPTNEG, got " + reply_name(p->code));
    co_return false;
  }
  auto n = parse_optneg(p->payload);
  if (!n) {
    fail(n.error().message);
    co_return false;
  }
  neg_ = std::move(*n);
  if (neg_.version < 2 || neg_.version > settings_.version) {
    fail("negotiation: milter protocol version " + std::to_string(neg_.version) + " is not between 2 and " +
         std::to_string(settings_.version));
    co_return false;
  }
  if (neg_.actions & ~action::all) {
    fail("negotiation: unknown actions requested");
    co_return false;
  }
  if (neg_.steps & ~step::offered & ~(step::mds_256k | step::mds_1m)) {
    fail("negotiation: protocol steps we did not offer requested");
    co_return false;
  }
  co_return true;
}

asio::awaitable<std::optional<Packet>> Connection::next_packet(asio::steady_timer& t, std::string_view during) {
  char buf[8192];
  for (;;) {
    if (auto p = reader_.next()) co_return p;
    if (!reader_.error().empty()) {
      fail(reader_.error());
      co_return std::nullopt;
    }
    asio::error_code ec, timer_ec;  // each its own: the operation's must not see the timer's abort
    auto r = co_await (sock_.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec)) ||
                       t.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
    if (r.index() == 1) {
      fail(fmt::format("timeout {}", during));
      co_return std::nullopt;
    }
    if (ec) {
      fail(fmt::format("{}: {}", during, ec == asio::error::eof ? "connection closed by the milter" : ec.message()));
      co_return std::nullopt;
    }
    reader_.feed(std::string_view(buf, std::get<0>(r)));
  }
}

asio::awaitable<void> Connection::send(const std::string& bytes) {
  if (!open_) co_return;
  asio::error_code ec;
  asio::steady_timer t(sock_.get_executor(), settings_.command_timeout);
  asio::error_code timer_ec;  // the timer's own: the operation's ec must not see its abort
  auto r = co_await (asio::async_write(sock_, asio::buffer(bytes), asio::redirect_error(use_awaitable, ec)) ||
                     t.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
  if (r.index() == 1 || ec) close();
}

asio::awaitable<std::optional<Reply>> Connection::exchange(const std::string& bytes, bool want_reply, bool content,
                                                           std::vector<Reply>* modifications) {
  if (!open_) co_return std::nullopt;
  auto timeout = content ? settings_.content_timeout : settings_.command_timeout;
  asio::error_code ec;
  asio::steady_timer t(sock_.get_executor(), timeout);
  asio::error_code timer_ec;  // the timer's own: the operation's ec must not see its abort
  auto w = co_await (asio::async_write(sock_, asio::buffer(bytes), asio::redirect_error(use_awaitable, ec)) ||
                     t.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
  if (w.index() == 1) {
    fail("timeout sending a command");
    co_return std::nullopt;
  }
  if (ec) {
    fail("write: " + ec.message());
    co_return std::nullopt;
  }
  if (!want_reply) co_return Reply{ReplyCode::continue_};
  co_return co_await read_reply(modifications, timeout);
}

asio::awaitable<std::optional<Reply>> Connection::read_reply(std::vector<Reply>* modifications,
                                                             std::chrono::seconds timeout) {
  asio::steady_timer t(sock_.get_executor(), timeout);
  for (;;) {
    auto p = co_await next_packet(t, "waiting for a reply");
    if (!p) co_return std::nullopt;
    auto r = parse_reply(*p);
    if (!r) {
      fail(r.error().message);
      co_return std::nullopt;
    }
    if (r->code == ReplyCode::progress) {  // the milter is alive: a new deadline
      t.expires_after(timeout);
      continue;
    }
    if (uint32_t need = needed_action(r->code)) {
      if (!modifications) {
        fail(reply_name(p->code) + " outside the end-of-message step");
        co_return std::nullopt;
      }
      if (!(neg_.actions & need)) {
        fail(reply_name(p->code) + " without having negotiated that action");
        co_return std::nullopt;
      }
      modifications->push_back(std::move(*r));
      continue;
    }
    co_return std::move(*r);
  }
}

}  // namespace tern::milter
