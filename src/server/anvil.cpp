// Connection accounting; see anvil.hpp.
#include "server/anvil.hpp"

namespace tern::server {

Anvil::Counts Anvil::connect(const std::string& service, const std::string& addr, double now) {
  Client& c = clients_[{service, addr}];
  ++c.concurrent;
  while (!c.recent.empty() && c.recent.front() <= now - unit_) c.recent.pop_front();
  c.recent.push_back(now);
  return {c.concurrent, c.recent.size()};
}

void Anvil::disconnect(const std::string& service, const std::string& addr) {
  auto it = clients_.find({service, addr});
  if (it == clients_.end()) return;
  if (it->second.concurrent) --it->second.concurrent;
  if (it->second.concurrent == 0 && it->second.recent.empty()) clients_.erase(it);
}

}  // namespace tern::server
