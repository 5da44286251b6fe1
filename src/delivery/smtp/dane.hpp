// RFC 7672 for one MX host, as a pure decision: given the destination's level (dane or
// dane-only), how far DNSSEC vouched for the MX and address lookups, and the TLSA lookup's
// outcome, which level applies to this host and with which records:
//   usable TLSA (DANE-TA(2)/DANE-EE(3), a digest in tls_dane_digests)  -> verify by DANE
//   secure, but every TLSA record unusable                            -> encrypt (dane-only: defer)
//   secure, no TLSA at all                                             -> may (dane-only: defer)
//   MX lookup insecure                                  -> smtp_tls_dane_insecure_mx_policy (may)
//   host address insecure (no TLSA lookup is made)                    -> may (dane-only: defer)
//   TLSA lookup bogus or failed                                        -> defer 4.7.5
// find_tlsa() makes the lookup at _PORT._tcp.HOST, first at the name a secure CNAME chain
// ends at, as RFC 7672 §2.2.2 says, and decide() turns all of it into a DaneDecision.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "delivery/smtp/tls_policy.hpp"
#include "dns/resolver.hpp"
#include "tls/dane.hpp"

namespace tern::delivery::smtp {

// smtp_tls_dane_insecure_mx_policy: what "dane" does with a host an insecure MX lookup named.
enum class InsecureMxPolicy { may, encrypt, dane };
Result<InsecureMxPolicy> parse_insecure_mx_policy(std::string_view text);

// What DNS said about one MX host.
struct DaneHost {
  std::string name;           // the MX host name (or the nexthop host)
  std::string canonical;      // where the address lookup's CNAMEs ended; "" for none
  int port = 25;
  bool mx_secure = false;     // the MX RRset was secure (for a host nexthop: its address lookup)
  bool addr_secure = false;   // the host's address records were secure
};

// The TLSA lookup for a host: the answer and the TLSA base domain it was made at.
struct TlsaLookup {
  dns::Answer answer;
  std::string base_domain;    // "mx.example.org" (the query was _25._tcp.mx.example.org)
};

// Whether RFC 7672 asks for TLSA records of this host at all (no: the answer would be unused).
bool wants_tlsa(TlsLevel level, const DaneHost& h, InsecureMxPolicy insecure_mx);

// The TLSA lookup: at the secure CNAME target first, then at the host name itself.
TlsaLookup find_tlsa(dns::Resolver& r, const DaneHost& h);

struct DaneDecision {
  TlsLevel level = TlsLevel::may;   // dane (verify with `records`), encrypt or may
  bool defer = false;               // no delivery to this host now
  std::string dsn;                  // "4.7.5" with defer
  std::string reason;               // why: for the defer text and the log
  std::vector<dns::Tlsa> records;   // the usable records when level is dane
  std::string base_domain;          // their TLSA base domain (the SNI name)
  bool name_secure = true;          // false: insecure MX, success is "Trusted", not "Verified"
  std::vector<std::string> unusable;  // one line per record left out, for the log
};

// The decision; `tlsa` is null when wants_tlsa() said no lookup was needed.
DaneDecision decide(TlsLevel level, const DaneHost& h, InsecureMxPolicy insecure_mx, const TlsaLookup* tlsa,
                    const tls::DaneDigests& digests);

// The TLS policy for this host: `base` (the destination's) with the decision's level and records.
TlsPolicy apply(const TlsPolicy& base, const DaneDecision& d);

}  // namespace tern::delivery::smtp
