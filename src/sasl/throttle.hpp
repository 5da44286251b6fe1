// Failed-AUTH throttling, per client address, in memory (one per smtpd process): once a
// client has `threshold` failed AUTHs within `window`, every further failure is answered
// only after `delay` (smtpd_sasl_failure_delay), doubling with each further failure up
// to `max_delay`. A success forgets the client. Postfix has no direct equivalent (its
// anvil counts AUTH commands: smtpd_client_auth_rate_limit); the threshold and window
// have no parameter yet and are constructor arguments.
//
//   auto d = throttle.record_failure(addr, now);   // after a 535
//   if (d.count()) co_await sleep(d);               // then send the 535
#pragma once
#include <chrono>
#include <string>
#include <unordered_map>

namespace tern::sasl {

class FailureThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  struct Settings {
    unsigned threshold = 3;                       // failures before delays start
    std::chrono::seconds window{300};             // failures older than this are forgotten
    std::chrono::milliseconds delay{1000};        // smtpd_sasl_failure_delay
    std::chrono::milliseconds max_delay{30000};
    size_t max_clients = 100000;                  // memory bound: oldest entries dropped
  };

  FailureThrottle() = default;
  explicit FailureThrottle(Settings s) : s_(s) {}

  // Records a failed AUTH and returns how long to wait before replying (0 = none).
  std::chrono::milliseconds record_failure(const std::string& client, Clock::time_point now);
  // A successful AUTH: the client's count is reset.
  void record_success(const std::string& client);
  // Failures of `client` still inside the window.
  unsigned failures(const std::string& client, Clock::time_point now) const;
  size_t tracked() const { return clients_.size(); }

 private:
  struct Entry {
    unsigned count = 0;
    Clock::time_point first;
    Clock::time_point last;
  };
  void prune(Clock::time_point now);

  Settings s_;
  std::unordered_map<std::string, Entry> clients_;
};

}  // namespace tern::sasl
