// DnsHostResolver and make_host_resolver; see dns_hosts.hpp.
#include "delivery/smtp/dns_hosts.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "base/file.hpp"
#include "base/log.hpp"
#include "base/strings.hpp"
#include "dns/unbound_resolver.hpp"

namespace tern::delivery::smtp {

namespace {

std::string not_found(std::string_view name, std::string_view type, bool temporary) {
  return fmt::format("Host or domain name not found. Name service error for name={} type={}: Host not found{}",
                     name, type, temporary ? ", try again" : "");
}

Resolution failure(std::string dsn, std::string error) {
  Resolution r;
  r.dsn = std::move(dsn);
  r.error = std::move(error);
  return r;
}

// A temporary failure's text; a bogus answer says so (the admin's first question).
std::string try_again(std::string_view name, std::string_view type, const dns::Answer& a) {
  std::string text = not_found(name, type, true);
  if (a.security == dns::Security::bogus) text += " (" + a.error + ")";
  return text;
}

}  // namespace

struct DnsHostResolver::Found {
  std::vector<IpAddress> addrs;
  bool secure = true;               // every answer that gave addresses was secure
  bool temporary = false;           // no addresses and some lookup failed temporarily
  dns::Answer failed;               // that lookup's answer (for the text)
  std::string canonical;            // where CNAMEs led the address lookup ("" for nowhere)
};

std::vector<dns::Mx> order_mx(std::vector<dns::Mx> mx, std::mt19937& rng) {
  std::shuffle(mx.begin(), mx.end(), rng);
  std::stable_sort(mx.begin(), mx.end(), [](const dns::Mx& a, const dns::Mx& b) { return a.preference < b.preference; });
  return mx;
}

DnsHostResolver::DnsHostResolver(std::shared_ptr<dns::Resolver> dns, DnsHostOptions o)
    : dns_(std::move(dns)), o_(std::move(o)), rng_(std::random_device{}()) {}

DnsHostResolver::Found DnsHostResolver::addresses_of(const std::string& host) const {
  Found f;
  bool any_data = false;
  auto ask = [&](dns::Type t) {
    dns::Answer a = dns_->lookup(host, t);
    if (a.outcome == dns::Outcome::temporary) {
      f.temporary = true;
      f.failed = a;
      return;
    }
    auto addrs = dns::addresses(a);
    if (!addrs) {  // malformed records: as good as a failed lookup
      f.temporary = true;
      f.failed = dns::Answer{};
      f.failed.error = addrs.error().message;
      return;
    }
    if (addrs->empty()) return;
    any_data = true;
    if (!a.canonical.empty()) f.canonical = a.canonical;
    f.secure = f.secure && a.secure();
    for (auto& ip : *addrs)
      if (std::find(f.addrs.begin(), f.addrs.end(), ip) == f.addrs.end()) f.addrs.push_back(ip);
  };
  if (o_.dns_addresses) {
    if (o_.ipv4) ask(dns::Type::A);
    if (o_.ipv6) ask(dns::Type::AAAA);
  }
  if (f.addrs.empty() && !o_.hosts_file.empty()) {
    if (auto text = read_file(o_.hosts_file))
      for (const auto& ip : hosts_lookup(*text, host))
        if (ip.v6 ? o_.ipv6 : o_.ipv4) f.addrs.push_back(ip);
    if (!f.addrs.empty()) f.secure = false;
  }
  if (!f.addrs.empty()) f.temporary = false;
  if (!any_data) f.secure = false;  // only hosts-file addresses, or none
  return f;
}

Resolution DnsHostResolver::host_addresses(const std::string& domain, bool mx_secure) const {
  Found f = addresses_of(domain);
  if (f.addrs.empty()) {
    std::string_view type = o_.ipv4 ? "A" : "AAAA";
    return f.temporary ? failure("4.4.3", try_again(domain, type, f.failed))
                       : failure("5.4.4", not_found(domain, type, false));
  }
  Resolution r;
  for (const auto& ip : f.addrs)
    r.hosts.push_back({domain, ip, o_.dnssec && mx_secure, o_.dnssec && f.secure, f.canonical});
  return r;
}

Resolution DnsHostResolver::from_mx(const std::string& domain, const dns::Answer& answer) const {
  auto mx = dns::mx_records(answer);
  if (!mx) return failure("4.4.3", fmt::format("malformed MX record for {}: {}", domain, mx.error().message));
  // RFC 7505 §3: a domain whose only MX is "." accepts no mail; "." among others is ignored.
  if (mx->size() == 1 && mx->front().host.empty())
    return failure("5.1.10", fmt::format("Domain {} does not accept mail (nullMX)", domain));
  std::erase_if(*mx, [](const dns::Mx& m) { return m.host.empty(); });
  std::vector<dns::Mx> ordered;
  {
    std::lock_guard lock(mu_);
    ordered = order_mx(std::move(*mx), rng_);
  }
  Resolution r;
  std::optional<std::pair<std::string, dns::Answer>> temporary;
  std::string first_missing;
  for (const auto& m : ordered) {
    Found f = addresses_of(m.host);
    if (f.addrs.empty()) {
      if (f.temporary && !temporary) temporary.emplace(m.host, f.failed);
      if (!f.temporary && first_missing.empty()) first_missing = m.host;
      continue;
    }
    for (const auto& ip : f.addrs)
      r.hosts.push_back({m.host, ip, o_.dnssec && answer.secure(), o_.dnssec && f.secure, f.canonical});
  }
  if (!r.hosts.empty()) return r;
  std::string_view type = o_.ipv4 ? "A" : "AAAA";
  if (temporary) return failure("4.4.3", try_again(temporary->first, type, temporary->second));
  return failure("5.4.4", not_found(first_missing, type, false));
}

Resolution DnsHostResolver::resolve(const Nexthop& n) const {
  if (n.literal) {
    Resolution r;
    r.hosts.push_back({n.host, *n.literal});
    return r;
  }
  std::string name = lower(n.host);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (n.bracketed) return host_addresses(name, false);  // no MX step: mx_secure stays false
  dns::Answer mx = dns_->lookup(name, dns::Type::MX);
  switch (mx.outcome) {
    case dns::Outcome::data: return from_mx(name, mx);
    case dns::Outcome::nodata: return host_addresses(name, mx.secure());
    case dns::Outcome::nxdomain: return failure("5.4.4", not_found(name, "MX", false));
    case dns::Outcome::temporary:
      if (o_.ignore_mx_lookup_error) return host_addresses(name, false);
      return failure("4.4.3", try_again(name, "MX", mx));
  }
  return failure("4.4.3", try_again(name, "MX", mx));
}

Result<std::shared_ptr<const HostResolver>> make_host_resolver(const config::Params& p, bool ipv4, bool ipv6,
                                                               const std::string& hosts_file) {
  const std::string& level = p.smtp_dns_support_level;
  if (!level.empty() && level != "disabled" && level != "enabled" && level != "dnssec")
    return Error{fmt::format("smtp_dns_support_level: unknown value \"{}\" (want disabled, enabled or dnssec)", level)};
  if (level == "disabled" || p.disable_dns_lookups)
    return std::shared_ptr<const HostResolver>(std::make_shared<HostsFileResolver>(hosts_file));
  DnsHostOptions o;
  o.dnssec = level == "dnssec";
  o.ipv4 = ipv4;
  o.ipv6 = ipv6;
  o.ignore_mx_lookup_error = p.ignore_mx_lookup_error;
  o.dns_addresses = false;
  for (const auto& m : p.smtp_host_lookup) {
    if (m == "dns") o.dns_addresses = true;
    else if (m == "native") o.hosts_file = hosts_file;
    else return Error{fmt::format("smtp_host_lookup: unknown lookup method \"{}\" (want dns, native or both)", m)};
  }
  auto dns = dns::make_resolver(p);
  if (!dns) return dns.error();
  if (auto* ub = dynamic_cast<const dns::UnboundResolver*>(dns->get()); o.dnssec && ub && !ub->validating())
    log::Logger("smtp").warning("smtp_dns_support_level = dnssec, but dns_trust_anchor_file {} is missing: "
                                "DNSSEC validation is unavailable and no host is secure",
                                p.dns_trust_anchor_file);
  return std::shared_ptr<const HostResolver>(std::make_shared<DnsHostResolver>(std::move(*dns), std::move(o)));
}

}  // namespace tern::delivery::smtp
