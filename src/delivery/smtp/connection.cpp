// ConnectionCache; see connection.hpp.
#include "delivery/smtp/connection.hpp"

#include <vector>

namespace tern::delivery::smtp {

namespace {
// Closing an idle connection must not hold up shutdown or a reload behind a silent peer.
constexpr std::chrono::seconds kIdleQuit{5};
}  // namespace

ConnectionCache::ConnectionCache(Limits l) : limits_(l) {}

ConnectionCache::~ConnectionCache() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  for (auto& [k, c] : idle_) c->session->quit(kIdleQuit);
}

bool ConnectionCache::reusable(const Connection& c, Clock::time_point now) const {
  if (!c.session->usable()) return false;
  if (now - c.created >= limits_.lifetime) return false;
  return limits_.uses == 0 || c.uses < limits_.uses;
}

void ConnectionCache::put(const std::string& key, std::unique_ptr<Connection> c) {
  auto now = Clock::now();
  if (!reusable(*c, now)) {
    c->session->quit();
    return;
  }
  c->idle_since = now;
  std::unique_ptr<Connection> evicted;
  {
    std::lock_guard lock(mu_);
    if (idle_.size() >= limits_.max_idle) {
      auto oldest = idle_.begin();
      for (auto it = idle_.begin(); it != idle_.end(); ++it)
        if (it->second->idle_since < oldest->second->idle_since) oldest = it;
      evicted = std::move(oldest->second);
      idle_.erase(oldest);
    }
    idle_.emplace(key, std::move(c));
    // Started on first use, so that building agents before a fork leaves no thread behind.
    if (!reaper_.joinable()) reaper_ = std::thread([this] { reap(); });
  }
  cv_.notify_all();
  if (evicted) evicted->session->quit(kIdleQuit);
}

std::unique_ptr<Connection> ConnectionCache::take(const std::string& key) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  for (auto it = idle_.find(key); it != idle_.end() && it->first == key; ++it) {
    if (now - it->second->idle_since >= limits_.idle) continue;  // the reaper closes it
    auto c = std::move(it->second);
    idle_.erase(it);
    return c;
  }
  return nullptr;
}

size_t ConnectionCache::idle_count() {
  std::lock_guard lock(mu_);
  return idle_.size();
}

// Closes idle connections past their time; QUIT happens outside the lock.
void ConnectionCache::reap() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(250));
    auto now = Clock::now();
    std::vector<std::unique_ptr<Connection>> expired;
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (now - it->second->idle_since >= limits_.idle) {
        expired.push_back(std::move(it->second));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    if (expired.empty()) continue;
    lock.unlock();
    for (auto& c : expired) c->session->quit(kIdleQuit);
    expired.clear();
    lock.lock();
  }
}

}  // namespace tern::delivery::smtp
