// An established client connection (channel + session + what it was set up as), and the
// agent's small cache of idle ones: a session that ended its transaction cleanly waits up
// to smtp_connection_cache_time_limit for the next job to the same nexthop, which RSETs
// it before use; a reaper thread closes (QUIT) the ones nobody took in time.
#pragma once
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "delivery/smtp/channel.hpp"
#include "delivery/smtp/session.hpp"

namespace tern::delivery::smtp {

struct Connection {
  std::unique_ptr<Channel> channel;  // declared first: the session refers to it
  std::unique_ptr<Session> session;
  std::string relay;                 // "host[addr]:port"
  bool tls = false;
  Clock::time_point created = Clock::now(), idle_since = Clock::now();
  size_t uses = 0;
};

class ConnectionCache {
 public:
  struct Limits {
    std::chrono::seconds idle{2};      // smtp_connection_cache_time_limit
    std::chrono::seconds lifetime{300};  // smtp_connection_reuse_time_limit
    size_t uses = 0;                   // smtp_connection_reuse_count_limit, 0 = unlimited
    size_t max_idle = 16;              // connections kept at most
  };
  explicit ConnectionCache(Limits l);
  ~ConnectionCache();

  // Keeps `c` for `key` when it may still be used; otherwise closes it.
  void put(const std::string& key, std::unique_ptr<Connection> c);
  // An idle connection for `key`, or null.
  std::unique_ptr<Connection> take(const std::string& key);
  size_t idle_count();

 private:
  bool reusable(const Connection& c, Clock::time_point now) const;
  void reap();

  Limits limits_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::multimap<std::string, std::unique_ptr<Connection>> idle_;
  std::thread reaper_;
};

}  // namespace tern::delivery::smtp
