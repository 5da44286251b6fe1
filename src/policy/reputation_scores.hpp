// The score table of check_reputation (policyd-weight's weights), read once per
// configuration load from reputation_score_maps. Keys and values:
//
//   CHECK   HIT MISS          e.g.  helo_numeric  2.5 0
//   dnsbl   ZONE HIT MISS LOGNAME[, ZONE HIT MISS LOGNAME ...]   (or "none")
//   rhsbl   ZONE HIT MISS LOGNAME[, ...]                         (or "none")
//
// CHECK is one of policyd-weight's score names without its "_score" suffix
// (client_ip_eq_helo, helo, helo_from_mx_eq_ip, ..., see check_names()). A key the table
// does not have keeps policyd-weight 0.1.15's default; an empty table is all defaults. A
// value that does not parse is a configuration error naming the entry. Tables cannot be
// listed, so a misspelt key is not noticed: `tern check reputation -s` prints the scores used.
#pragma once
#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "maps/lookup.hpp"

namespace tern::policy::reputation {

// policyd-weight's @NAME(_score) arrays, in its order.
enum class Check {
  client_ip_eq_helo,
  helo,
  helo_from_mx_eq_ip,
  helo_numeric,
  from_match_regex_verified_helo,
  from_match_regex_unverified_helo,
  from_match_regex_failed_helo,
  helo_seems_dialup,
  failed_helo_seems_dialup,
  helo_ip_in_client_subnet,
  helo_ip_in_cl16_subnet,
  client_seems_dialup,
  from_multiparted,
  from_anon,
  bogus_mx,
  random_sender,
  rhsbl_penalty,
  enforce_dyndns,
};
inline constexpr size_t kCheckCount = 18;
std::string_view check_name(Check c);

struct Score {
  double hit = 0;
  double miss = 0;
};

// One DNSBL (client address) or RHSBL (sender domain) zone.
struct Blocklist {
  std::string zone;      // lower case, no trailing dot
  double hit = 0;        // added when listed
  double miss = 0;       // added when not listed (DNSBL only; policyd-weight ignores it for RHSBLs)
  std::string log_name;  // IN_<log_name> / NOT_IN_<log_name> in the explanation
};

struct Scores {
  std::array<Score, kCheckCount> checks;
  std::vector<Blocklist> dnsbl;
  std::vector<Blocklist> rhsbl;
  const Score& operator[](Check c) const { return checks[static_cast<size_t>(c)]; }
  Score& operator[](Check c) { return checks[static_cast<size_t>(c)]; }
};

// policyd-weight 0.1.15's defaults (its `policyd-weight defaults` output).
Scores default_scores();

// A decimal as policyd-weight's Perl configuration writes one: "4.35", "-1.5", "0", "+2",
// ".5". No exponent, no hex, no inf/nan, nothing after it.
Result<double> parse_decimal(std::string_view text);

// "HIT MISS".
Result<Score> parse_score(std::string_view value);
// "ZONE HIT MISS LOGNAME, ..." or "none".
Result<std::vector<Blocklist>> parse_blocklists(std::string_view value);

// Every key asked through `find` (a table's find()); missing keys keep the defaults.
// Errors read: reputation_score_maps: entry "helo": ...
using Find = std::function<Result<maps::Found>(std::string_view key)>;
Result<Scores> read_scores(const Find& find);

}  // namespace tern::policy::reputation
