// The check_policy_service client; see policy_service.hpp.
#include "policy/policy_service.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <sys/un.h>

#include <map>
#include <mutex>
#include <utility>

#include "base/file.hpp"
#include "base/net.hpp"
#include "delivery/smtp/hosts.hpp"
#include "policy/policy_protocol.hpp"

namespace tern::policy {

using asio::use_awaitable;
using generic_stream = asio::generic::stream_protocol;

struct PolicyService::Connection {
  explicit Connection(asio::io_context& io) : sock(io) {}
  generic_stream::socket sock;
  Clock::time_point connected{};
  Clock::time_point last_used{};
  long long requests = 0;
  bool reused = false;  // it served a request before this one
};

// How one attempt went.
struct PolicyService::Outcome {
  bool ok = false;
  std::string action;
  std::string problem;   // for the warning when !ok
  bool stale = false;    // a reused connection was found closed before any reply byte
  bool reusable = true;  // ok, and nothing followed the reply
};

namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

bool closed_by_peer(const asio::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

PolicyService::Endpoint tcp_endpoint(const IpAddress& a, unsigned short port) {
  asio::ip::address addr;
  if (a.v6) {
    asio::ip::address_v6::bytes_type b;
    std::copy(a.bytes.begin(), a.bytes.end(), b.begin());
    addr = asio::ip::address_v6(b);
  } else {
    addr = asio::ip::address_v4({a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]});
  }
  return PolicyService::Endpoint(asio::ip::tcp::endpoint(addr, port));
}

}  // namespace

PolicyService::PolicyService(asio::io_context& io, PolicyServiceSettings settings, std::vector<Endpoint> endpoints,
                             std::string log_service)
    : io_(io), settings_(std::move(settings)), endpoints_(std::move(endpoints)), sweep_timer_(io),
      log_(std::move(log_service)) {}

PolicyService::~PolicyService() { close_idle(); }

void PolicyService::close_idle() {
  idle_.clear();  // each socket closes with its Connection
  sweep_timer_.cancel();
}

asio::awaitable<Result<std::string>> PolicyService::ask(const PolicyRequest& request) {
  Answer a = co_await query(request);
  co_return std::move(a.action);
}

asio::awaitable<PolicyService::Answer> PolicyService::query(const PolicyRequest& request) {
  auto wire = encode_policy_request(request, settings_.policy_context);
  if (!wire) {  // a caller's bug (an attribute name that would break the framing)
    log_.warning("policy request to {}: {}", settings_.name, wire.error().message);
    co_return Answer{settings_.default_action, false, wire.error().message};
  }
  std::string problem;
  bool pause = false;
  for (long long tries = 0; tries < settings_.try_limit;) {
    if (pause) {
      asio::steady_timer t(io_, settings_.retry_delay);
      asio::error_code ec;
      co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    std::unique_ptr<Connection> conn = take_idle();
    bool reused = conn != nullptr;
    Outcome o = co_await attempt(conn, *wire);
    if (o.ok) {
      if (o.reusable) give_back(std::move(conn));
      co_return Answer{std::move(o.action), true, {}};
    }
    conn.reset();
    if (reused && o.stale) {  // the server closed it while it sat in the pool
      pause = false;
      continue;
    }
    ++tries;
    pause = true;
    problem = std::move(o.problem);
    log_.warning("problem talking to server {}: {}", settings_.name, problem);
  }
  co_return Answer{settings_.default_action, false, std::move(problem)};
}

// One attempt under the timeout: connect when `conn` is empty, write, read the reply.
asio::awaitable<PolicyService::Outcome> PolicyService::attempt(std::unique_ptr<Connection>& conn,
                                                               const std::string& wire) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer deadline(io_, settings_.timeout);
  asio::error_code timer_ec;
  auto r = co_await (talk(conn, wire) || deadline.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
  if (r.index() == 0) co_return std::get<0>(std::move(r));
  Outcome o;
  o.problem = "timeout after " + seconds_text(settings_.timeout);
  co_return o;
}

asio::awaitable<PolicyService::Outcome> PolicyService::talk(std::unique_ptr<Connection>& conn,
                                                            const std::string& wire) {
  Outcome o;
  bool reused = conn != nullptr;
  if (!conn) {
    conn = std::make_unique<Connection>(io_);
    o.problem = co_await connect(conn);
    if (!o.problem.empty()) co_return o;
  }
  asio::error_code ec;
  co_await asio::async_write(conn->sock, asio::buffer(wire), asio::redirect_error(use_awaitable, ec));
  if (ec) {
    o.stale = reused && closed_by_peer(ec);
    o.problem = ec.message();
    co_return o;
  }
  PolicyReplyParser parser;
  char buf[4096];
  bool got_bytes = false;
  for (;;) {
    size_t n = co_await conn->sock.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      o.stale = reused && !got_bytes && closed_by_peer(ec);
      o.problem = ec == asio::error::eof ? "connection closed by server" : ec.message();
      co_return o;
    }
    got_bytes = true;
    auto step = parser.feed(std::string_view(buf, n));
    if (step.status == PolicyReplyParser::Status::need_more) continue;
    if (step.status == PolicyReplyParser::Status::error) {
      o.problem = "malformed reply: " + parser.error();
      co_return o;
    }
    o.ok = true;
    o.action = parser.action();
    o.reusable = step.consumed == n;  // more than one reply: out of step, do not reuse
    ++conn->requests;
    co_return o;
  }
}

// "" when connected, else why not.
asio::awaitable<std::string> PolicyService::connect(std::unique_ptr<Connection>& conn) {
  asio::error_code ec = asio::error::host_not_found;
  for (const auto& ep : endpoints_) {
    conn->sock = generic_stream::socket(io_);
    co_await conn->sock.async_connect(ep, asio::redirect_error(use_awaitable, ec));
    if (!ec) break;
  }
  if (ec) co_return ec.message();
  conn->connected = conn->last_used = Clock::now();
  co_return std::string();
}

bool PolicyService::expired(const Connection& c, Clock::time_point now) const {
  return now - c.last_used >= settings_.max_idle || now - c.connected >= settings_.max_ttl;
}

std::unique_ptr<PolicyService::Connection> PolicyService::take_idle() {
  auto now = Clock::now();
  while (!idle_.empty()) {
    std::unique_ptr<Connection> c = std::move(idle_.back());
    idle_.pop_back();
    if (!expired(*c, now)) return c;
  }
  return nullptr;
}

void PolicyService::give_back(std::unique_ptr<Connection> conn) {
  auto now = Clock::now();
  if (settings_.request_limit > 0 && conn->requests >= settings_.request_limit) return;
  if (now - conn->connected >= settings_.max_ttl) return;
  conn->last_used = now;
  idle_.push_back(std::move(conn));
  arm_sweeper();
}

void PolicyService::arm_sweeper() {
  if (sweeping_) return;
  sweeping_ = true;
  asio::co_spawn(io_, sweep(weak_from_this()), asio::detached);
}

// Closes pooled connections as they pass max_idle or max_ttl; ends when the pool is
// empty. Holds the service only while it works, never while it waits.
asio::awaitable<void> PolicyService::sweep(std::weak_ptr<PolicyService> weak) {
  for (;;) {
    auto self = weak.lock();
    if (!self) co_return;
    auto now = Clock::now();
    std::erase_if(self->idle_, [&](const auto& c) { return self->expired(*c, now); });
    if (self->idle_.empty()) {
      self->sweeping_ = false;
      co_return;
    }
    auto next = Clock::time_point::max();
    for (const auto& c : self->idle_)
      next = std::min({next, c->last_used + self->settings_.max_idle, c->connected + self->settings_.max_ttl});
    asio::steady_timer& timer = self->sweep_timer_;
    timer.expires_at(next);
    self.reset();
    asio::error_code ec;
    // Cancelled by close_idle() (the next round finds the pool empty) or by the
    // service's end (the next round finds it gone).
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

Result<std::vector<PolicyService::Endpoint>> policy_service_endpoints(const PolicyServiceSettings& s,
                                                                      const std::string& hosts_file) {
  std::vector<PolicyService::Endpoint> out;
  if (s.kind == PolicyServiceSettings::Kind::unix_socket) {
    if (s.path.size() >= sizeof(sockaddr_un{}.sun_path))
      return Error{"check_policy_service " + s.name + ": socket path too long"};
    out.emplace_back(asio::local::stream_protocol::endpoint(s.path));
    return out;
  }
  auto port = static_cast<unsigned short>(std::stoi(s.port));
  if (auto ip = IpAddress::parse(s.host)) {
    out.push_back(tcp_endpoint(*ip, port));
    return out;
  }
  auto text = read_file(hosts_file);
  if (text)
    for (const auto& a : delivery::smtp::hosts_lookup(*text, s.host)) out.push_back(tcp_endpoint(a, port));
  if (out.empty())
    return Error{"check_policy_service " + s.name + ": host \"" + s.host + "\" is not an IP address and not in " +
                 hosts_file + " (policy server names are not looked up in DNS)"};
  return out;
}

Result<std::shared_ptr<PolicyService>> policy_service_for(std::string_view spec, const config::Params& params,
                                                          asio::io_context& io, std::string log_service) {
  auto settings = parse_policy_service_spec(spec, params);
  if (!settings) return settings.error();
  static std::mutex mu;
  static std::map<std::pair<const asio::io_context*, std::string>, std::weak_ptr<PolicyService>> registry;
  std::lock_guard lock(mu);
  std::erase_if(registry, [](const auto& kv) { return kv.second.expired(); });
  auto key = std::make_pair(static_cast<const asio::io_context*>(&io), std::string(spec));
  if (auto it = registry.find(key); it != registry.end())
    if (auto existing = it->second.lock(); existing && existing->settings() == *settings) return existing;
  auto endpoints = policy_service_endpoints(*settings);
  if (!endpoints) return endpoints.error();
  auto service = std::make_shared<PolicyService>(io, std::move(*settings), std::move(*endpoints), std::move(log_service));
  registry[key] = service;
  return service;
}

Result<std::shared_ptr<Delegate>> make_policy_service(std::string_view spec, const config::Params& params,
                                                      asio::io_context& io) {
  auto s = policy_service_for(spec, params, io);
  if (!s) return s.error();
  return std::shared_ptr<Delegate>(std::move(*s));
}

}  // namespace tern::policy
