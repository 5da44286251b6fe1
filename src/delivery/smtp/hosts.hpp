// Finding the addresses of a nexthop: the HostResolver interface (nexthop -> ordered list
// of (hostname, address)), and HostsFileResolver, which reads /etc/hosts itself: what the
// smtp client uses when DNS is off (smtp_dns_support_level = disabled, disable_dns_lookups
// = yes) and what the lmtp client uses. A bracketed IP literal needs no lookup, a name is
// looked up in the hosts file only (never through getaddrinfo, whose resolver may point off
// the machine), and a name not found there is deferred. The MX-aware resolver over DNS is
// DnsHostResolver (dns_hosts.hpp).
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
  // DNSSEC (DANE's precondition, RFC 7672 §2.2): whether the MX lookup that named `host`
  // (for an implicit MX, the proof that the domain has no MX) and the address lookup that
  // gave `addr` were validated as secure. Only DnsHostResolver under smtp_dns_support_level
  // = dnssec sets them; literals, hosts-file entries and "enabled" leave them false.
  bool mx_secure = false;
  bool addr_secure = false;
  // Where the address lookup's CNAMEs ended ("" for none): TLSA is looked up there first.
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
