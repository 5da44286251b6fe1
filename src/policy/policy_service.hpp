// check_policy_service: the client of an external SMTPD access policy server (postgrey,
// policyd-weight, policyd-spf, ...), a Delegate the restriction evaluator asks.
//
// One PolicyService per endpoint and event loop (make_policy_service keeps a registry
// keyed by the io_context and the spec text, so every session of the smtpd role shares
// it). It keeps a pool of connections: a request takes an idle one or connects, so
// concurrent sessions never interleave on one connection, and gives it back after the
// reply. A pooled connection is closed after max_idle without use, after max_ttl since
// it was made, or after request_limit requests. Each attempt (connect, write, read) is
// bounded by timeout; a failed attempt is logged ("warning: problem talking to server
// inet:127.0.0.1:10023: Connection refused") and retried after retry_delay, up to
// try_limit attempts; then the answer is the default action. A pooled connection that
// the server had closed in the meantime is replaced at once, without using up a try.
//
// Runs on one io_context (one thread); not thread-safe. Names are looked up in
// /etc/hosts only, once, when the service is made: never through DNS.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.hpp"
#include "config/params.hpp"
#include "policy/delegate.hpp"
#include "policy/policy_service_spec.hpp"

namespace tern::policy {

class PolicyService final : public Delegate, public std::enable_shared_from_this<PolicyService> {
 public:
  using Endpoint = asio::generic::stream_protocol::endpoint;

  struct Answer {
    std::string action;   // the server's action, or the default action
    bool answered = false;  // false: the server did not answer in try_limit attempts
    std::string problem;  // the last failure when !answered
  };

  // `endpoints` are the addresses to try in order (one for unix:); warnings are logged
  // under `log_service` ("tern/smtpd: warning: ...").
  PolicyService(asio::io_context& io, PolicyServiceSettings settings, std::vector<Endpoint> endpoints,
                std::string log_service = "smtpd");
  ~PolicyService() override;

  // The server's action, or the default action after try_limit failed attempts (the
  // per-service default_action is known only here, so this never returns an Error).
  asio::awaitable<Result<std::string>> ask(const PolicyRequest& request) override;
  // The same with whether the server answered (the command-line tool reports it).
  // `request` must outlive the returned awaitable (it is read when it first runs).
  asio::awaitable<Answer> query(const PolicyRequest& request);

  const PolicyServiceSettings& settings() const { return settings_; }
  size_t idle_connections() const { return idle_.size(); }
  // Closes the pooled connections and stops the idle sweeper (lets io_context::run() end).
  void close_idle();

 private:
  struct Connection;
  struct Outcome;
  using Clock = std::chrono::steady_clock;

  asio::awaitable<Outcome> attempt(std::unique_ptr<Connection>& conn, const std::string& wire);
  asio::awaitable<Outcome> talk(std::unique_ptr<Connection>& conn, const std::string& wire);
  asio::awaitable<std::string> connect(std::unique_ptr<Connection>& conn);
  std::unique_ptr<Connection> take_idle();
  void give_back(std::unique_ptr<Connection> conn);
  bool expired(const Connection& c, Clock::time_point now) const;
  void arm_sweeper();
  static asio::awaitable<void> sweep(std::weak_ptr<PolicyService> weak);

  asio::io_context& io_;
  PolicyServiceSettings settings_;
  std::vector<Endpoint> endpoints_;
  std::vector<std::unique_ptr<Connection>> idle_;  // most recently used last
  asio::steady_timer sweep_timer_;
  bool sweeping_ = false;
  log::Logger log_;
};

// The endpoints of `s`: an IP literal, a name from `hosts_file` (never DNS), or the
// unix socket path. An Error names the spec when the host is not found.
Result<std::vector<PolicyService::Endpoint>> policy_service_endpoints(const PolicyServiceSettings& s,
                                                                      const std::string& hosts_file = "/etc/hosts");

// The service for `spec` on `io`: the one already made for the same spec and settings on
// this io_context, or a new one. An Error is a configuration error (bad spec, unknown host).
// `log_service` names the program in warnings (the command-line tool is not smtpd).
Result<std::shared_ptr<PolicyService>> policy_service_for(std::string_view spec, const config::Params& params,
                                                          asio::io_context& io, std::string log_service = "smtpd");
Result<std::shared_ptr<Delegate>> make_policy_service(std::string_view spec, const config::Params& params,
                                                      asio::io_context& io);

}  // namespace tern::policy
