// The `tern check tls` report; see tls_check.hpp.
#include "cli/tls_check.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "base/strings.hpp"
#include "dns/rdata.hpp"

namespace tern::cli {

namespace {

using delivery::smtp::DaneHost;
using delivery::smtp::TlsLevel;

std::string status(const dns::Answer& a) {
  return fmt::format("{}, {}", dns::outcome_name(a.outcome), dns::security_name(a.security));
}

struct Addresses {
  std::vector<std::string> list;
  bool secure = true;  // every answer with data was secure
  std::string canonical;
  std::string problem;
};

Addresses addresses_of(dns::Resolver& r, const std::string& host) {
  Addresses out;
  for (dns::Type t : {dns::Type::A, dns::Type::AAAA}) {
    dns::Answer a = r.lookup(host, t);
    if (a.outcome == dns::Outcome::temporary) {
      out.problem += fmt::format(" {} lookup failed ({}{})", dns::type_name(t), status(a), a.error.empty() ? "" : ": " + a.error);
      out.secure = false;
      continue;
    }
    if (!a.has_data()) continue;
    out.secure = out.secure && a.secure();
    if (!a.canonical.empty()) out.canonical = a.canonical;
    auto addrs = dns::addresses(a);
    if (!addrs) out.problem += " " + addrs.error().message;
    else
      for (const auto& ip : *addrs) out.list.push_back(ip.to_string());
  }
  if (out.list.empty()) out.secure = false;
  return out;
}

std::string decision_text(const delivery::smtp::DaneDecision& d) {
  if (d.defer) return fmt::format("no delivery, deferred {}: {}", d.dsn, d.reason);
  switch (d.level) {
    case TlsLevel::dane:
      return fmt::format("verify with DANE ({}); SNI {}; success logged as {}", d.reason, d.base_domain,
                         d.name_secure ? "Verified" : "Trusted");
    case TlsLevel::encrypt: return "encrypt, unauthenticated (" + d.reason + ")";
    default: return "may, TLS when offered (" + d.reason + ")";
  }
}

// One MX host: addresses, TLSA records, the decision.
bool report_host(dns::Resolver& r, const TlsCheck& c, const std::string& host, bool mx_secure, std::string& out) {
  Addresses addrs = addresses_of(r, host);
  out += fmt::format("    addresses: {}{}{}\n", addrs.list.empty() ? "none" : fmt::format("{}", fmt::join(addrs.list, " ")),
                     addrs.list.empty() ? "" : addrs.secure ? " (secure)" : " (insecure)", addrs.problem);
  if (!addrs.canonical.empty()) out += fmt::format("    canonical name: {}\n", addrs.canonical);
  if (addrs.list.empty()) return false;
  DaneHost h{host, addrs.canonical, c.port, mx_secure, addrs.secure};
  bool dane = c.level == TlsLevel::dane || c.level == TlsLevel::dane_only;
  TlsLevel as = dane ? c.level : TlsLevel::dane;
  std::optional<delivery::smtp::TlsaLookup> tlsa;
  if (addrs.secure) tlsa = delivery::smtp::find_tlsa(r, h);  // shown even when the level skips it
  if (tlsa) {
    out += fmt::format("    TLSA _{}._tcp.{}: {}\n", c.port, tlsa->base_domain, status(tlsa->answer));
    auto records = dns::tlsa_records(tlsa->answer);
    if (!records) out += "      malformed: " + records.error().message + "\n";
    else
      for (const auto& t : *records) {
        std::string why = tls::unusable_reason(t, c.digests);
        out += fmt::format("      {} {} {} {}: {}\n", t.usage, t.selector, t.mtype, dns::to_hex(t.data),
                           why.empty() ? "usable" : "unusable, " + why);
      }
  } else {
    out += "    TLSA: not looked up (the addresses are not DNSSEC-secure)\n";
  }
  bool use = tlsa && delivery::smtp::wants_tlsa(as, h, c.insecure_mx);
  auto d = delivery::smtp::decide(as, h, c.insecure_mx, use ? &*tlsa : nullptr, c.digests);
  if (dane) out += fmt::format("    level {}: {}\n", level_name(c.level), decision_text(d));
  else
    out += fmt::format("    level {} ({}); at level dane: {}\n", level_name(c.level), c.level_source, decision_text(d));
  return !(dane && d.defer);
}

}  // namespace

std::string tls_check_report(dns::Resolver& r, const TlsCheck& c, int* status_out) {
  std::string out;
  std::string domain = lower(c.domain);
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  *status_out = 1;
  dns::Answer mx = r.lookup(domain, dns::Type::MX);
  out += fmt::format("{}: MX lookup: {}{}\n", domain, status(mx), mx.error.empty() ? "" : " (" + mx.error + ")");
  if (mx.outcome == dns::Outcome::temporary || mx.outcome == dns::Outcome::nxdomain) return out;
  std::vector<dns::Mx> hosts;
  if (mx.has_data()) {
    auto records = dns::mx_records(mx);
    if (!records) return out + "  malformed MX answer: " + records.error().message + "\n";
    hosts = std::move(*records);
    std::stable_sort(hosts.begin(), hosts.end(), [](const dns::Mx& a, const dns::Mx& b) { return a.preference < b.preference; });
    if (hosts.size() == 1 && hosts[0].host.empty()) return out + "  null MX: the domain accepts no mail (RFC 7505)\n";
  } else {
    out += "  no MX records: the domain itself is the mail host (RFC 5321 §5.1)\n";
    hosts.push_back({0, domain});
  }
  bool all = true;
  for (const auto& h : hosts) {
    out += mx.has_data() ? fmt::format("  MX {} {}\n", h.preference, h.host) : fmt::format("  host {}\n", h.host);
    // Without MX records the host's own address lookup stands in for the MX lookup.
    bool mx_secure = mx.secure();
    if (!mx.has_data()) mx_secure = addresses_of(r, h.host).secure;
    all = report_host(r, c, h.host, mx_secure, out) && all;
  }
  if (all) *status_out = 0;
  return out;
}

}  // namespace tern::cli
