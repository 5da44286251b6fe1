// RFC 7672's per-host decision and the TLSA lookup; see dane.hpp.
#include "delivery/smtp/dane.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::delivery::smtp {

namespace {

std::string tlsa_name(int port, const std::string& host) { return fmt::format("_{}._tcp.{}", port, host); }

DaneDecision at(TlsLevel level, std::string reason) {
  DaneDecision d;
  d.level = level;
  d.reason = std::move(reason);
  return d;
}

DaneDecision deferred(std::string reason) {
  DaneDecision d = at(TlsLevel::dane_only, std::move(reason));
  d.defer = true;
  d.dsn = "4.7.5";
  return d;
}

// Where "dane" would settle for less, "dane-only" defers instead.
DaneDecision fallback(TlsLevel level, TlsLevel weaker, std::string reason) {
  if (level == TlsLevel::dane_only) return deferred("dane-only: " + reason);
  return at(weaker, std::move(reason));
}

// A secure TLSA RRset: the usable records, or the level without them.
DaneDecision from_records(TlsLevel level, const DaneHost& h, InsecureMxPolicy insecure_mx, const TlsaLookup& t,
                          const tls::DaneDigests& digests) {
  std::string where = tlsa_name(h.port, t.base_domain);
  DaneDecision d;
  for (const auto& rdata : t.answer.rdata) {
    auto rec = dns::decode_tlsa(rdata);
    std::string why = rec ? tls::unusable_reason(*rec, digests) : rec.error().message;
    if (why.empty()) d.records.push_back(std::move(*rec));
    else if (rec) d.unusable.push_back(fmt::format("{} {} {} {}: {}", rec->usage, rec->selector, rec->mtype, dns::to_hex(rec->data), why));
    else d.unusable.push_back(why);
  }
  if (!h.mx_secure && insecure_mx == InsecureMxPolicy::encrypt && level == TlsLevel::dane) {
    DaneDecision e = at(TlsLevel::encrypt, "TLSA records at " + where + " behind an insecure MX lookup");
    e.unusable = std::move(d.unusable);
    return e;
  }
  if (d.records.empty()) {
    DaneDecision e = fallback(level, TlsLevel::encrypt, "no usable TLSA records at " + where);
    e.unusable = std::move(d.unusable);
    return e;
  }
  d.level = TlsLevel::dane;
  d.base_domain = t.base_domain;
  d.name_secure = h.mx_secure;
  d.reason = fmt::format("{} usable TLSA record{} at {}", d.records.size(), d.records.size() == 1 ? "" : "s", where);
  return d;
}

}  // namespace

Result<InsecureMxPolicy> parse_insecure_mx_policy(std::string_view text) {
  std::string v = lower(trim(text));
  if (v == "may") return InsecureMxPolicy::may;
  if (v == "encrypt") return InsecureMxPolicy::encrypt;
  if (v == "dane") return InsecureMxPolicy::dane;
  return Error{"smtp_tls_dane_insecure_mx_policy: invalid value \"" + printable(text, 64) + "\" (expected may, encrypt or dane)"};
}

bool wants_tlsa(TlsLevel level, const DaneHost& h, InsecureMxPolicy insecure_mx) {
  if (level != TlsLevel::dane && level != TlsLevel::dane_only) return false;
  if (!h.addr_secure) return false;
  return h.mx_secure || (level == TlsLevel::dane && insecure_mx != InsecureMxPolicy::may);
}

TlsaLookup find_tlsa(dns::Resolver& r, const DaneHost& h) {
  std::string host = lower(h.name);
  std::string canonical = lower(h.canonical);
  if (!canonical.empty() && canonical != host) {
    TlsaLookup first{r.lookup(tlsa_name(h.port, canonical), dns::Type::TLSA), canonical};
    const dns::Answer& a = first.answer;
    bool absent = a.outcome == dns::Outcome::nodata || a.outcome == dns::Outcome::nxdomain;
    // Only a secure denial sends us on to the original name; anything else is the answer.
    if (!(absent && a.secure())) return first;
  }
  return {r.lookup(tlsa_name(h.port, host), dns::Type::TLSA), host};
}

DaneDecision decide(TlsLevel level, const DaneHost& h, InsecureMxPolicy insecure_mx, const TlsaLookup* tlsa,
                    const tls::DaneDigests& digests) {
  if (!h.mx_secure && level == TlsLevel::dane && insecure_mx == InsecureMxPolicy::may)
    return at(TlsLevel::may, "MX lookup for " + h.name + " is not DNSSEC-secure");
  if (!h.mx_secure && level == TlsLevel::dane_only)
    return deferred("dane-only: the lookup that named " + h.name + " is not DNSSEC-secure");
  if (!h.addr_secure)
    return fallback(level, TlsLevel::may, "address records of " + h.name + " are not DNSSEC-secure");
  if (!tlsa) return deferred("no TLSA lookup was made for " + h.name);
  std::string where = tlsa_name(h.port, tlsa->base_domain);
  const dns::Answer& a = tlsa->answer;
  if (a.security == dns::Security::bogus)
    return deferred("TLSA lookup error for " + where + ": DNSSEC validation failed" +
                    (a.error.empty() ? "" : " (" + a.error + ")"));
  if (a.outcome == dns::Outcome::temporary)
    return deferred("TLSA lookup error for " + where + (a.error.empty() ? "" : ": " + a.error));
  if (!a.secure()) return fallback(level, TlsLevel::may, "TLSA records at " + where + " are not DNSSEC-secure");
  if (!a.has_data()) return fallback(level, TlsLevel::may, "no TLSA records at " + where);
  return from_records(level, h, insecure_mx, *tlsa, digests);
}

TlsPolicy apply(const TlsPolicy& base, const DaneDecision& d) {
  TlsPolicy p = base;
  p.level = d.level;
  p.tlsa = d.level == TlsLevel::dane ? d.records : std::vector<dns::Tlsa>{};
  p.tlsa_base = d.base_domain;
  p.dane_name_secure = d.name_secure;
  return p;
}

}  // namespace tern::delivery::smtp
