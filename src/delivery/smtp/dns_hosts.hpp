// The MX-aware HostResolver (RFC 5321 §5.1) the smtp client uses unless
// smtp_dns_support_level = disabled:
//  - a domain's MX records, by preference, hosts of equal preference in random order, each
//    host's A/AAAA addresses in turn;
//  - no MX records (no data): the domain itself as the implicit MX;
//  - a null MX ("0 .", RFC 7505): bounced with 5.1.10 "Domain D does not accept mail (nullMX)";
//  - NXDOMAIN (or MX hosts none of which exists): bounced with 5.4.4 "Host or domain name not
//    found. Name service error for name=D type=MX: Host not found", Postfix's words;
//  - a temporary failure (SERVFAIL, timeout, DNSSEC bogus): deferred with 4.4.3 "...: Host
//    not found, try again", unless ignore_mx_lookup_error lets the MX step fall back to the
//    domain's own addresses;
//  - [host] and host:port-less bracketed nexthops skip the MX step; IP literals skip DNS.
// smtp_host_lookup = native (or "dns, native") reads addresses from the hosts file when DNS
// has none.
//
// DANE needs to know what DNSSEC vouched for: with smtp_dns_support_level = dnssec each
// HostAddress carries mx_secure (the MX RRset, or for an implicit MX the proof that there is
// none, validated) and addr_secure (every address RRset it came from validated); under
// "enabled" both stay false, as Postfix ignores DNSSEC there.
#pragma once
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "delivery/smtp/hosts.hpp"
#include "dns/resolver.hpp"
#include "dns/rdata.hpp"

namespace tern::delivery::smtp {

struct DnsHostOptions {
  bool dnssec = false;                  // smtp_dns_support_level = dnssec
  bool ipv4 = true, ipv6 = true;        // inet_protocols: which address types to ask for
  bool ignore_mx_lookup_error = false;  // ignore_mx_lookup_error
  bool dns_addresses = true;            // smtp_host_lookup has "dns"
  std::string hosts_file;               // smtp_host_lookup has "native": this file, else ""
};

class DnsHostResolver : public HostResolver {
 public:
  DnsHostResolver(std::shared_ptr<dns::Resolver> dns, DnsHostOptions o);
  Resolution resolve(const Nexthop& n) const override;

 private:
  struct Found;  // one host's addresses, or why there are none
  Found addresses_of(const std::string& host) const;
  Resolution from_mx(const std::string& domain, const dns::Answer& mx) const;
  // The host itself (an implicit MX, or a [bracketed] nexthop) and its addresses.
  // The host itself (an implicit MX or a [bracketed] nexthop) with its addresses.
  Resolution host_addresses(const std::string& domain, bool mx_secure) const;

  std::shared_ptr<dns::Resolver> dns_;
  DnsHostOptions o_;
  mutable std::mutex mu_;
  mutable std::mt19937 rng_;
};

// MX records by preference, those of equal preference shuffled with `rng`.
std::vector<dns::Mx> order_mx(std::vector<dns::Mx> mx, std::mt19937& rng);

// The HostResolver smtp_dns_support_level, disable_dns_lookups, smtp_host_lookup and
// inet_protocols ask for (`hosts_file` for disabled DNS and for "native"); an unknown
// level or lookup method is an error naming its parameter.
Result<std::shared_ptr<const HostResolver>> make_host_resolver(const config::Params& p, bool ipv4, bool ipv6,
                                                               const std::string& hosts_file);

}  // namespace tern::delivery::smtp
