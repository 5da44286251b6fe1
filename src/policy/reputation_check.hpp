// policyd-weight's weighted check as a coroutine over Tern's asynchronous DNS: the score
// of one SMTP client from its DNSBL listings, its HELO name against its address, its PTR
// names and the sender domain's MX/A records, the sender's local part and the sender
// domain's RHSBL listings. The steps, their order, their names in the explanation (IN_x,
// CL_IP_EQ_FROM_MX, BOGUS_MX, RANDOM_SENDER, ...) and the way scores feed each other
// (many checks add the DNSBL total) follow policyd-weight 0.1.15's weighted_check.
//
// Differences, on purpose: addresses are compared whole (policyd-weight compares text
// with index(), so 192.0.2.2 "matches" 192.0.2.25); the "(check from: ...)" debugging text
// is not part of the explanation; there is no per-zone error skipping across requests
// (BL_ERROR_SKIP); a name that cannot be a DNS name is not listed (policyd-weight calls a
// 64-octet label listed). evaluate_blocking() runs the same coroutine for the command line.
#pragma once
#include <asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/net.hpp"
#include "dns/resolver.hpp"
#include "policy/reputation_scores.hpp"

namespace tern::policy::reputation {

// Who is asking, lower-cased as policyd-weight reads the request.
struct Client {
  IpAddress ip;
  std::string helo;
  std::string sender;       // local@domain, not empty
  std::string client_name;  // Postfix's client_name ("unknown" without verified rDNS)
};

struct Limits {
  double reject_level = 1;      // REJECTLEVEL: reject at or above
  long long max_dnsbl_hits = 2;  // MAXDNSBLHITS: reject when listed on more
  double max_dnsbl_score = 8;   // MAXDNSBLSCORE: reject when the DNSBL total is above
  long long max_dns_errors = 3;  // MAXDNSERR: pass after this many failed lookups
};

// One step of the explanation: "IN_SPAMCOP=3.75", "NOT_IN_X=-1.5", "X=ERR(-1.5)".
struct Entry {
  std::string name;
  double score = 0;
  bool dns_error = false;
  std::string text() const;
};

enum class Outcome {
  scored,        // all checks ran; compare `rate` with the reject level
  dnsbl_limit,   // MAXDNSBLHITS / MAXDNSBLSCORE reached: reject at once
  dns_trouble,   // MAXDNSERR lookups failed: pass (policyd-weight's "passed - too many local DNS-errors")
  no_dns,        // neither the client nor its names are in the DNS: DNSERRMSG (450)
  cached_pass,   // DNSBLs clean and a cached passing rate was given
};

struct Report {
  Outcome outcome = Outcome::scored;
  double rate = 0;
  std::vector<Entry> entries;
  int dnsbl_hits = 0;
  bool helo_trusted = false;    // the HELO matched the client somehow (else "helo/hostname mismatch")
  bool cacheable_by_client = false;  // listed, dial-up or bad HELO: policyd-weight caches the IP alone
  std::string rhsbl_note;       // "; in zone" per RHSBL listing
  std::string relay_note;       // "; please relay via your ISP (domain)"
  std::string dyndns_note;      // "; Please use DynDNS"
  std::string explanation() const;  // the entries joined by spaces
};

// `cached_rate`: a passing rate remembered for this client; when the DNSBLs still do not
// list it, the HELO/MX checks are skipped (policyd-weight's positive cache).
asio::awaitable<Report> evaluate(dns::Resolver& resolver, const Scores& scores, const Limits& limits,
                                 Client client, std::optional<double> cached_rate = std::nullopt);
Report evaluate_blocking(dns::Resolver& resolver, const Scores& scores, const Limits& limits, Client client);

// A number as policyd-weight prints it (Perl's "%.15g") and its myrnd() rounding.
std::string perl_number(double v);
double perl_round(double v);

}  // namespace tern::policy::reputation
