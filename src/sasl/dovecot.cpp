// The Dovecot auth-client back end; see dovecot.hpp.
#include "sasl/dovecot.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <unistd.h>

#include <optional>

#include "sasl/base64.hpp"

namespace tern::sasl {

using asio::use_awaitable;
using generic_stream = asio::generic::stream_protocol;

namespace {

constexpr std::string_view kLost = "Connection lost to authentication server";
constexpr std::string_view kNoConnect = "Can't connect to authentication server";
constexpr std::string_view kBackendError = "Authentication backend error";

// "inet:host:port" / "inet:[v6]:port" split; false when `path` is not inet:.
bool split_inet(std::string_view path, std::string& host, std::string& port) {
  if (!path.starts_with("inet:")) return false;
  std::string_view rest = path.substr(5);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return false;
  host = std::string(rest.substr(0, colon));
  port = std::string(rest.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return true;
}

}  // namespace

struct DovecotBackend::Waiter {
  asio::steady_timer timer;
  std::optional<dovecot::ServerReply> reply;
  std::string error;  // set when the connection broke
};

DovecotBackend::DovecotBackend(asio::io_context& io, DovecotOptions opts)
    : io_(io), opts_(std::move(opts)), sock_(io) {}

DovecotBackend::~DovecotBackend() {
  asio::error_code ignore;
  sock_.close(ignore);
}

std::vector<std::string> DovecotBackend::mechanisms() const {
  std::vector<std::string> out;
  for (const auto& m : implemented_mechanisms())
    if (server_offers(m)) out.push_back(m);
  return out;
}

bool DovecotBackend::server_offers(std::string_view mech) const {
  for (const auto& m : server_mechs_)
    if (m.name == mech) return true;
  return false;
}

asio::awaitable<void> DovecotBackend::prepare() {
  co_await ensure_connected();
}

void DovecotBackend::disconnect(const std::string& why) {
  if (connected_) log_.warning("SASL: disconnecting from Dovecot auth socket {}: {}", opts_.path, why);
  connected_ = false;
  ++generation_;  // the old read loop ends quietly
  asio::error_code ignore;
  sock_.close(ignore);
  outq_.clear();
  lines_ = dovecot::LineSplitter();
  for (auto& [id, w] : waiting_) {
    w->error = std::string(kLost);
    w->timer.cancel();
  }
  waiting_.clear();
}

asio::awaitable<bool> DovecotBackend::ensure_connected() {
  if (connected_) co_return true;
  if (connecting_) {  // someone else is connecting: wait for the outcome
    asio::steady_timer t(io_, asio::steady_timer::time_point::max());
    connect_waiters_.push_back(&t);
    asio::error_code ec;
    co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    co_return connected_;
  }
  connecting_ = true;
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer deadline(io_, opts_.timeout);
  asio::error_code timer_ec;
  auto r = co_await (connect_and_handshake() ||
                     deadline.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
  bool ok = r.index() == 0 && std::get<0>(r);
  if (r.index() == 1) log_.warning("SASL: timeout connecting to Dovecot auth socket {}", opts_.path);
  if (!ok) {
    asio::error_code ignore;
    sock_.close(ignore);
  }
  connected_ = ok;
  connecting_ = false;
  if (ok) {
    ++generation_;
    asio::co_spawn(io_, read_loop(generation_), asio::detached);
  }
  for (auto* t : connect_waiters_) t->cancel();
  connect_waiters_.clear();
  co_return ok;
}

asio::awaitable<bool> DovecotBackend::connect_and_handshake() {
  asio::error_code ec;
  sock_ = generic_stream::socket(io_);
  lines_ = dovecot::LineSplitter();
  std::string host, port;
  if (split_inet(opts_.path, host, port)) {
    asio::ip::tcp::resolver resolver(io_);
    auto eps = co_await resolver.async_resolve(host, port, asio::redirect_error(use_awaitable, ec));
    if (!ec) {
      ec = asio::error::host_not_found;
      for (const auto& e : eps) {
        sock_ = generic_stream::socket(io_);
        co_await sock_.async_connect(generic_stream::endpoint(e.endpoint()),
                                     asio::redirect_error(use_awaitable, ec));
        if (!ec) break;
      }
    }
  } else {
    co_await sock_.async_connect(
        generic_stream::endpoint(asio::local::stream_protocol::endpoint(opts_.path)),
        asio::redirect_error(use_awaitable, ec));
  }
  if (ec) {
    log_.warning("SASL: Connect to Dovecot auth socket '{}' failed: {}", opts_.path, ec.message());
    co_return false;
  }
  std::string hello = dovecot::client_hello(::getpid());
  co_await asio::async_write(sock_, asio::buffer(hello), asio::redirect_error(use_awaitable, ec));
  dovecot::Handshake hs;
  char buf[4096];
  while (!ec) {
    while (auto line = lines_.next()) {
      auto st = hs.feed(*line);
      if (st == dovecot::Handshake::State::error) {
        log_.warning("SASL: Dovecot auth socket '{}': {}", opts_.path, hs.error());
        co_return false;
      }
      if (st == dovecot::Handshake::State::done) {
        server_mechs_ = hs.mechanisms();
        co_return true;
      }
    }
    if (lines_.error()) break;
    size_t n = co_await sock_.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (!ec) lines_.feed(std::string_view(buf, n));
  }
  if (ec != asio::error::operation_aborted)  // aborted: the deadline fired, logged there
    log_.warning("SASL: Dovecot auth socket '{}': handshake failed: {}", opts_.path,
                 ec ? ec.message() : std::string("line too long"));
  co_return false;
}

asio::awaitable<void> DovecotBackend::read_loop(uint64_t generation) {
  char buf[8192];
  for (;;) {
    asio::error_code ec;
    size_t n = co_await sock_.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (generation != generation_) co_return;
    if (ec) {
      disconnect(ec == asio::error::eof ? "connection closed by the server" : ec.message());
      co_return;
    }
    lines_.feed(std::string_view(buf, n));
    while (auto line = lines_.next()) {
      bool malformed = false;
      auto r = dovecot::parse_reply(*line, &malformed);
      if (malformed) {
        disconnect("malformed reply: " + printable(*line));
        co_return;
      }
      if (!r) continue;  // not a reply (new protocol features): ignored, as Postfix does
      auto it = waiting_.find(r->id);
      if (it == waiting_.end()) continue;  // its session gave up (timeout)
      it->second->reply = std::move(*r);
      it->second->timer.cancel();
      waiting_.erase(it);
    }
    if (lines_.error()) {
      disconnect("reply line too long");
      co_return;
    }
  }
}

void DovecotBackend::send(std::string line) {
  outq_ += line;
  if (!writing_) asio::co_spawn(io_, write_loop(), asio::detached);
}

asio::awaitable<void> DovecotBackend::write_loop() {
  writing_ = true;
  while (!outq_.empty() && connected_) {
    std::string batch;
    batch.swap(outq_);
    asio::error_code ec;
    co_await asio::async_write(sock_, asio::buffer(batch), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      disconnect("write failed: " + ec.message());
      break;
    }
  }
  writing_ = false;
}

asio::awaitable<std::optional<dovecot::ServerReply>> DovecotBackend::exchange(
    uint32_t id, std::string line, std::string* error) {
  Waiter w{asio::steady_timer(io_, opts_.timeout), std::nullopt, {}};
  waiting_[id] = &w;
  send(std::move(line));
  asio::error_code ec;
  co_await w.timer.async_wait(asio::redirect_error(use_awaitable, ec));
  waiting_.erase(id);  // no-op when the reader already removed it
  if (!w.reply) {
    *error = w.error.empty() ? "Timeout waiting for authentication server" : w.error;
    if (w.error.empty()) log_.warning("SASL: Dovecot auth socket '{}': request timed out", opts_.path);
  }
  co_return std::move(w.reply);
}

dovecot::AuthRequest DovecotBackend::request(std::string_view mech, const Peer& peer) {
  dovecot::AuthRequest r;
  r.id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  r.mechanism = std::string(mech);
  r.service = opts_.service;
  r.local_ip = peer.server_addr;
  r.remote_ip = peer.client_addr;
  r.secured = peer.tls;
  return r;
}

AuthResult DovecotBackend::finish(const dovecot::ServerReply& r) {
  using Kind = dovecot::ServerReply::Kind;
  if (r.kind == Kind::ok) {
    if (r.user.empty()) {
      log_.warning("missing Dovecot server OK username field");
      return AuthResult::failure(std::string(kBackendError));
    }
    return AuthResult::success(printable(r.user));
  }
  if (r.kind == Kind::fail) {
    if (r.temp) return AuthResult::temporary(r.reason);
    return AuthResult::failure(r.reason, printable(r.user));
  }
  log_.warning("SASL: unexpected Dovecot CONT reply");
  return AuthResult::failure(std::string(kBackendError));
}

asio::awaitable<AuthResult> DovecotBackend::run_plain(const Credentials& c, const Peer& peer) {
  auto req = request("PLAIN", peer);
  std::string msg = c.authzid;
  msg += '\0';
  msg += c.authcid;
  msg += '\0';
  msg += c.password;
  req.initial = base64_encode(msg);
  std::string error;
  auto r = co_await exchange(req.id, dovecot::encode(req), &error);
  if (!r) co_return AuthResult::temporary(error);
  co_return finish(*r);
}

asio::awaitable<AuthResult> DovecotBackend::run_login(const Credentials& c, const Peer& peer) {
  auto req = request("LOGIN", peer);
  std::string error;
  auto r = co_await exchange(req.id, dovecot::encode(req), &error);
  // Dovecot asks "Username:" then "Password:"; answer each CONT in turn.
  const std::string* answers[] = {&c.authcid, &c.password};
  for (const std::string* a : answers) {
    if (!r) co_return AuthResult::temporary(error);
    if (r->kind != dovecot::ServerReply::Kind::cont) co_return finish(*r);
    r = co_await exchange(req.id, dovecot::encode_cont(req.id, base64_encode(*a)), &error);
  }
  if (!r) co_return AuthResult::temporary(error);
  co_return finish(*r);
}

asio::awaitable<AuthResult> DovecotBackend::verify(std::string_view mech, const Credentials& c,
                                                   Peer peer) {
  (void)mech;  // credentials are mechanism-neutral here; PLAIN is preferred upstream
  // Like Postfix, try once more on a fresh connection when the old one turns out dead.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!co_await ensure_connected()) co_return AuthResult::temporary(std::string(kNoConnect));
    AuthResult r;
    if (server_offers("PLAIN")) r = co_await run_plain(c, peer);
    else if (server_offers("LOGIN") && c.authzid.empty()) r = co_await run_login(c, peer);
    else co_return AuthResult::failure("Invalid authentication mechanism");
    if (r.kind == AuthResult::Kind::tempfail && r.reason == kLost && attempt == 0) continue;
    co_return r;
  }
  co_return AuthResult::temporary(std::string(kLost));
}

}  // namespace tern::sasl
