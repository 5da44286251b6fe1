// Per-client connection accounting, as Postfix's anvil(8) keeps it but inside smtpd:
// simultaneous connections and connections per time unit, per service and client address.
#pragma once
#include <deque>
#include <map>
#include <string>
#include <utility>

namespace tern::server {

class Anvil {
 public:
  struct Counts {
    size_t concurrent = 0;  // including this one
    size_t rate = 0;        // connections within the last time unit, including this one
  };
  explicit Anvil(double time_unit) : unit_(time_unit) {}
  Counts connect(const std::string& service, const std::string& addr, double now);
  void disconnect(const std::string& service, const std::string& addr);

 private:
  struct Client {
    size_t concurrent = 0;
    std::deque<double> recent;  // connection times within the unit
  };
  double unit_;
  std::map<std::pair<std::string, std::string>, Client> clients_;
};

}  // namespace tern::server
