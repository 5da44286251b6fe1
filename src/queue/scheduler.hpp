// Scheduling, free of I/O so it is unit-tested directly.
//
// Retry arithmetic: a deferred message waits as long as it is old, at least
// minimal_backoff_time and at most maximal_backoff_time (Postfix's rule).
//
// The delivery scheduler: deliveries are Jobs — one message's recipients for one
// destination (transport + nexthop), at most that transport's recipient limit. Jobs run
// under a per-destination concurrency limit, destinations take turns (round robin, so one
// busy destination cannot starve the others), and a destination that failed as a whole
// (it is down, or its transport is unavailable) is throttled: its waiting jobs are handed
// back to be deferred without trying, until `dead_until`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tern::queue {

struct Backoff {
  double minimal = 300;    // minimal_backoff_time
  double maximal = 4000;   // maximal_backoff_time
};

// The next attempt for a message that arrived at `arrival` and was just deferred at `now`.
double next_attempt(double arrival, double now, const Backoff& b);

struct Job {
  uint64_t message = 0;             // the queue role's handle for the message
  std::string destination;          // "local:alice", "smtp:example.org"
  std::string transport;            // "local", "smtp"
  std::string nexthop;              // "example.org", "[192.0.2.1]:25", "" for local
  std::vector<size_t> recipients;   // indices into the message's recipients
};

struct SchedulerLimits {
  size_t default_concurrency = 20;                 // default_destination_concurrency_limit
  std::map<std::string, size_t> concurrency;       // <transport>_destination_concurrency_limit
  size_t default_recipients = 50;                  // default_destination_recipient_limit
  std::map<std::string, size_t> recipients;        // <transport>_destination_recipient_limit
  // Transports whose destinations run one job (a run of several) at a time: the queue
  // manager's Maildir group commit (delivery/maildir_batch.hpp). Within the concurrency limit.
  std::set<std::string> one_at_a_time;
  double dead_time = 60;                           // how long a failed destination rests

  size_t concurrency_for(const std::string& transport) const;
  size_t recipients_for(const std::string& transport) const;
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerLimits limits) : limits_(std::move(limits)) {}

  // Queues one message's recipients for a destination, split by the recipient limit.
  void add(uint64_t message, const std::string& transport, const std::string& nexthop,
           const std::string& destination, const std::vector<size_t>& recipients);
  // The next job that may run now, taking destinations in turn; nullopt when none may.
  std::optional<Job> next(double now);
  // Up to `max` more waiting jobs of `job`'s destination, to run together with it as one
  // (the caller reports finished() for `job` only: the batch holds one concurrency slot).
  std::vector<Job> take_more(const Job& job, size_t max);
  // A job ended. `destination_failed` throttles its destination until now + dead_time.
  void finished(const Job& job, bool destination_failed, double now);
  // A flush (postqueue -f, sendmail -q): every destination may be tried again at once, as
  // Postfix's qmgr re-enables all queues on a flush request.
  void revive_all();
  // Jobs waiting for throttled destinations: the caller defers them without trying.
  std::vector<Job> take_throttled(double now);

  size_t running() const { return running_total_; }
  size_t waiting() const;
  bool throttled(const std::string& destination, double now) const;

 private:
  struct Destination {
    std::deque<Job> waiting;
    size_t running = 0;
    double dead_until = 0;
    bool in_turn = false;  // listed in turn_ (at most once)
  };
  SchedulerLimits limits_;
  std::map<std::string, Destination> dests_;
  std::deque<std::string> turn_;  // destinations with waiting jobs, in round-robin order
  size_t running_total_ = 0;
};

}  // namespace tern::queue
