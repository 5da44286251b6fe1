// Turning master.cf inet services into listening sockets: "[host:]port" with ports by
// number or /etc/services name, hosts as IP literals (never a DNS name), and
// inet_interfaces (all, loopback-only, addresses) when the service names no host.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"

namespace tern::daemon {

struct ListenAddress {
  std::string ip;  // literal, "0.0.0.0", "::"
  int port = 0;
  std::string key() const { return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + std::to_string(port); }
};

// The addresses one inet service listens on.
Result<std::vector<ListenAddress>> listen_addresses(const config::MasterEntry& e,
                                                    const config::Params& p);

// A bound, listening socket (close-on-exec off: it is inherited by the roles).
Result<int> bind_listener(const ListenAddress& a);

}  // namespace tern::daemon
