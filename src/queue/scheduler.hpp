// Scheduling arithmetic, free of I/O so it is unit-tested directly: when a deferred
// message is tried again (Postfix's rule: wait as long as the message is old, at least
// minimal_backoff_time and at most maximal_backoff_time) and when it expires.
#pragma once

namespace tern::queue {

struct Backoff {
  double minimal = 300;    // minimal_backoff_time
  double maximal = 4000;   // maximal_backoff_time
};

// The next attempt for a message that arrived at `arrival` and was just deferred at `now`.
double next_attempt(double arrival, double now, const Backoff& b);

// The delays=a/b/c/d breakdown as Postfix logs it, from four instants.
struct Delays {
  double before_active;   // a: arrival until the queue manager took it
  double in_active;       // b: waiting in the queue manager
  double connect;         // c: connection setup
  double transmit;        // d: transmission
  double total() const { return before_active + in_active + connect + transmit; }
};

}  // namespace tern::queue
