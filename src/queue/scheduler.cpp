// Scheduling arithmetic; see scheduler.hpp.
#include "queue/scheduler.hpp"

#include <algorithm>

namespace tern::queue {

double next_attempt(double arrival, double now, const Backoff& b) {
  double age = now - arrival;
  double wait = std::clamp(age, b.minimal, std::max(b.minimal, b.maximal));
  return now + wait;
}

}  // namespace tern::queue
