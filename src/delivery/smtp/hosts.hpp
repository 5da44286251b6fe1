// Finding the addresses of a nexthop: the HostResolver interface (nexthop -> ordered list
// of (hostname, address)), and the only implementation so far, HostsFileResolver, which
// reads /etc/hosts itself. There is no DNS yet: a bracketed IP literal needs no lookup, a
// name is looked up in the hosts file only (never through getaddrinfo, whose resolver may
// point off the machine), and a name not found there is deferred with a reason that says
// MX lookups wait for the DNS resolver. The DNS work plugs an MX-aware resolver in here.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/net.hpp"
#include "delivery/smtp/nexthop.hpp"

namespace tern::delivery::smtp {

struct HostAddress {
  std::string host;  // the name to log and to check certificates against
  IpAddress addr;
  // DNSSEC, for DANE (dane.hpp): whether the MX lookup that named this host (for a host
  // nexthop, its own address lookup) and the host's address lookup were secure, and the
  // name the address lookup's CNAMEs ended at ("" for none). The hosts file vouches for nothing.
  bool mx_secure = false;
  bool addr_secure = false;
  std::string canonical;
};

struct Resolution {
  std::vector<HostAddress> hosts;  // in the order to try
  std::string dsn;                 // when empty: "4.4.3" (try later) or "5.4.4"
  std::string error;               // why there is nothing to try
};

class HostResolver {
 public:
  virtual ~HostResolver() = default;
  virtual Resolution resolve(const Nexthop& n) const = 0;
};

class HostsFileResolver : public HostResolver {
 public:
  explicit HostsFileResolver(std::string path = "/etc/hosts") : path_(std::move(path)) {}
  Resolution resolve(const Nexthop& n) const override;

 private:
  std::string path_;
};

// The addresses a hosts(5) text gives `name` (case-insensitive), in file order, no duplicates.
std::vector<IpAddress> hosts_lookup(std::string_view text, std::string_view name);

}  // namespace tern::delivery::smtp
