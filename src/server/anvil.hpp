// Per-client event accounting as Postfix's anvil(8) keeps it, but inside the smtpd role:
// per service and client address, the simultaneous connections and, within one
// anvil_rate_time_unit, the connections, MAIL commands, recipients, new TLS sessions and
// AUTH commands. Sessions compare them with the smtpd_client_*_limit parameters through
// ClientRates and answer with Postfix's replies and warnings.
//
// Counting is Postfix's: a client's rates share one time unit that begins at its first
// event; the first event after the unit is over begins a new one with every rate at zero.
// A session holds its client's counters, so an event costs a compare and an increment
// (no lookup, no allocation); the table is searched at connect only. It is bounded: a
// client with no connection whose unit is over is forgotten by the sweep that runs once
// per time unit, and beyond max_clients idle clients are forgotten early.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/log.hpp"
#include "config/config.hpp"
#include "message/envelope.hpp"
#include "smtp/reply.hpp"

namespace tern::server {

enum class RateEvent : uint8_t { connection, message, recipient, new_tls, auth };
constexpr size_t kRateEvents = 5;

// A service's limits (0 = none), read once per configuration.
struct RateLimits {
  uint32_t concurrency = 0;                  // smtpd_client_connection_count_limit
  // smtpd_client_{connection,message,recipient,new_tls_session,auth}_rate_limit, by RateEvent
  std::array<uint32_t, kRateEvents> rate{};
  static RateLimits from(const config::Params& p);
};

class Anvil {
 public:
  struct Client {
    const std::string* ident = nullptr;  // "smtp:192.0.2.1", as Postfix's anvil names it
    uint32_t concurrent = 0;
    double start = 0;  // when the current time unit began; 0 before the first event
    std::array<uint32_t, kRateEvents> rate{};
  };

  explicit Anvil(double time_unit, size_t max_clients = 100000);

  // A new connection: the client's counters, the connection counted (concurrent and
  // rate). They stay valid until the matching disconnect().
  Client& connect(std::string_view service, std::string_view addr, double now);
  void disconnect(Client& c, double now);
  // Counts one event; the client's count of it in the current time unit, this one included.
  uint32_t record(Client& c, RateEvent e, double now);
  // The count so far in the current unit, without counting.
  uint32_t peek(const Client& c, RateEvent e, double now) const;

  size_t size() const { return clients_.size(); }
  // Forgets clients without connections whose time unit is over.
  void sweep(double now);
  // For anvil_status_update_time: Postfix's "statistics: max ..." lines for the highest
  // counts since the last call, which this resets. Empty when nothing was counted.
  std::vector<std::string> statistics();

 private:
  struct Peak {
    uint32_t value = 0;
    std::string ident;
    const Client* who = nullptr;
    double when = 0;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  bool over(const Client& c, double now) const;  // its time unit has ended
  void tick(Client& c, double now) const;
  void note(Peak& p, uint32_t value, const Client& c, double now);
  void make_room(double now);

  double unit_;
  size_t max_clients_;
  double next_sweep_ = 0;
  std::string key_;  // scratch for the lookup key, so a known client costs no allocation
  std::unordered_map<std::string, Client, Hash, std::equal_to<>> clients_;
  Peak max_count_;
  std::array<Peak, kRateEvents> max_rate_{};
  size_t max_cache_ = 0;
  double max_cache_when_ = 0;
};

// One session's view: its client's counters and its service's limits. Inert (counts
// nothing, refuses nothing) for a client in smtpd_client_event_limit_exceptions, which
// Postfix does not count at all, and for sessions made without an anvil (unit tests).
class ClientRates {
 public:
  struct Refusal {
    smtp::Reply reply;
    std::string warning;  // as logged
  };
  ClientRates() = default;
  ClientRates(Anvil& anvil, Anvil::Client& client, const RateLimits& limits)
      : anvil_(&anvil), client_(&client), limits_(&limits) {}

  // The session is over: its connection stops counting toward the concurrency limit.
  void disconnect(double now) const {
    if (client_) anvil_->disconnect(*client_, now);
  }
  // Counts a MAIL (message), RCPT (recipient) or AUTH (auth) command; over the limit,
  // logs Postfix's warning and returns it with Postfix's refusal.
  std::optional<Refusal> refuse(RateEvent e, const ClientInfo& who, std::string_view service,
                                    const log::Logger& log, double now);
  // STARTTLS, before the handshake: refused while the client is over its new-session limit.
  std::optional<Refusal> refuse_starttls(const ClientInfo& who, std::string_view service,
                                             const log::Logger& log, double now);
  // After the handshake: a new (not resumed) session counts; one over the limit ends the
  // session with the returned 421.
  std::optional<Refusal> count_new_tls(bool resumed, const ClientInfo& who, std::string_view service,
                                           const std::string& myhostname, const log::Logger& log, double now);

 private:
  Anvil* anvil_ = nullptr;
  Anvil::Client* client_ = nullptr;
  const RateLimits* limits_ = nullptr;
};

}  // namespace tern::server
