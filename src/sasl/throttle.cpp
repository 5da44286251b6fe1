// Failed-AUTH throttling; see throttle.hpp.
#include "sasl/throttle.hpp"

#include <algorithm>
#include <vector>

namespace tern::sasl {

std::chrono::milliseconds FailureThrottle::record_failure(const std::string& client,
                                                          Clock::time_point now) {
  if (clients_.size() >= s_.max_clients && !clients_.count(client)) prune(now);
  Entry& e = clients_[client];
  if (e.count == 0 || now - e.first > s_.window) e = Entry{0, now, now};
  ++e.count;
  e.last = now;
  if (e.count < s_.threshold || s_.delay.count() == 0) return std::chrono::milliseconds(0);
  unsigned extra = std::min(e.count - s_.threshold, 16u);
  auto d = s_.delay * (1LL << extra);
  return std::min<std::chrono::milliseconds>(d, std::max(s_.max_delay, s_.delay));
}

void FailureThrottle::record_success(const std::string& client) { clients_.erase(client); }

unsigned FailureThrottle::failures(const std::string& client, Clock::time_point now) const {
  auto it = clients_.find(client);
  if (it == clients_.end() || now - it->second.first > s_.window) return 0;
  return it->second.count;
}

void FailureThrottle::prune(Clock::time_point now) {
  std::erase_if(clients_, [&](const auto& kv) { return now - kv.second.first > s_.window; });
  if (clients_.size() < s_.max_clients) return;
  // Still full: drop the stalest tenth at once, so a flood of new addresses costs one
  // scan per max_clients/10 insertions, not one per insertion.
  std::vector<Clock::time_point> lasts;
  lasts.reserve(clients_.size());
  for (const auto& kv : clients_) lasts.push_back(kv.second.last);
  size_t k = std::max<size_t>(1, lasts.size() / 10) - 1;
  std::nth_element(lasts.begin(), lasts.begin() + k, lasts.end());
  Clock::time_point cutoff = lasts[k];
  std::erase_if(clients_, [&](const auto& kv) { return kv.second.last <= cutoff; });
}

}  // namespace tern::sasl
