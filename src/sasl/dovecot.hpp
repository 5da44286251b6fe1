// The `dovecot` back end: a client of Dovecot's auth-client socket (the one Postfix's
// smtpd_sasl_type = dovecot uses, e.g. `service auth { unix_listener
// /var/spool/postfix/private/auth { … } }`). One connection per io_context, shared by
// all sessions with requests multiplexed by id; connected on first use, reconnected
// after it drops; every request bounded by a timeout (a tempfail when it expires).
// Credentials collected by our PLAIN or LOGIN mechanism are sent as PLAIN when the
// server offers it (one round trip), else through Dovecot's LOGIN exchange.
#pragma once
#include <asio/generic/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "base/log.hpp"
#include "sasl/backend.hpp"
#include "sasl/dovecot_protocol.hpp"

namespace tern::sasl {

struct DovecotOptions {
  // A Unix socket path, or "inet:host:port".
  std::string path;
  std::string service = "smtp";  // smtpd_sasl_service
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // per request and connect
};

class DovecotBackend final : public Backend {
 public:
  DovecotBackend(asio::io_context& io, DovecotOptions opts);
  ~DovecotBackend() override;

  std::vector<std::string> mechanisms() const override;
  asio::awaitable<void> prepare() override;
  bool allows_proxy() const override { return true; }
  asio::awaitable<AuthResult> verify(std::string_view mech, const Credentials& c,
                                     Peer peer = {}) override;

  // Closes the connection (tests; and a reload that changed smtpd_sasl_path).
  void disconnect(const std::string& why);
  bool connected() const { return connected_; }

 private:
  struct Waiter;
  asio::awaitable<bool> ensure_connected();
  asio::awaitable<bool> connect_and_handshake();
  asio::awaitable<void> read_loop(uint64_t generation);
  asio::awaitable<void> write_loop();
  void send(std::string line);
  // Sends `line` and waits for the reply to request `id`.
  asio::awaitable<std::optional<dovecot::ServerReply>> exchange(uint32_t id, std::string line,
                                                                std::string* error);
  asio::awaitable<AuthResult> run_plain(const Credentials& c, const Peer& peer);
  asio::awaitable<AuthResult> run_login(const Credentials& c, const Peer& peer);
  dovecot::AuthRequest request(std::string_view mech, const Peer& peer);
  AuthResult finish(const dovecot::ServerReply& r);
  bool server_offers(std::string_view mech) const;

  asio::io_context& io_;
  DovecotOptions opts_;
  asio::generic::stream_protocol::socket sock_;
  dovecot::LineSplitter lines_;
  bool connected_ = false;
  bool connecting_ = false;
  bool writing_ = false;
  uint64_t generation_ = 0;
  uint32_t next_id_ = 1;
  std::string outq_;
  std::vector<dovecot::Mech> server_mechs_;
  std::unordered_map<uint32_t, Waiter*> waiting_;
  std::vector<asio::steady_timer*> connect_waiters_;
  log::Logger log_{"smtpd"};
};

}  // namespace tern::sasl
