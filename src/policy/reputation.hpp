// check_reputation: policyd-weight's DNSBL/HELO/MX scoring as a built-in policy Delegate.
// At RCPT it scores the client (reputation_check.hpp) with the scores of
// reputation_score_maps (reputation_scores.hpp) and answers like policyd-weight:
//   rejected   "550 Mail appeared to be SPAM or forged. ...; rate: 3.5" (reputation_reject_reply,
//              with policyd-weight's "; MTA helo: ..." mismatch note, "; in ZONE" per RHSBL
//              hit, the relay and DynDNS hints), "450 ..." when a DEFER word matched below
//              reputation_defer_level, reputation_dnsbl_reply past the DNSBL limits,
//              reputation_dns_error_reply when the client is not in the DNS at all;
//   passed     "PREPEND X-Tern-Reputation: NOT_IN_SBL_XBL_SPAMHAUS=-1.5 ...; rate: -4.6"
//              (DUNNO when reputation_header is empty);
//   elsewhere  DUNNO: other protocol states, the null sender, mail to postmaster@/abuse@.
// Results are remembered per client address, HELO name and sender domain: a reject for
// reputation_negative_cache_time (answered again with " [cached]"), a pass for
// reputation_positive_cache_time (DNSBLs are asked again; a listing ends the shortcut).
// The memory is this process's (the smtpd role's event loop, one thread, no locking).
// Request attributes read: protocol_state, client_address, client_name (Postfix's verified
// name, as policyd-weight reads it; reverse_client_name is not used), helo_name, sender,
// recipient.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/log.hpp"
#include "config/params.hpp"
#include "dns/resolver.hpp"
#include "policy/delegate.hpp"
#include "policy/reputation_check.hpp"
#include "policy/reputation_scores.hpp"

namespace tern::policy {

namespace reputation {

// The reputation_* parameters, parsed once.
struct Settings {
  Scores scores;
  Limits limits;
  std::string reject_reply;
  std::string dnsbl_reply;
  std::string dns_error_reply;
  std::vector<std::string> defer_checks;  // "IN_SPAMCOP=", ...
  double defer_level = 5;
  std::string defer_code;
  std::string header;
  std::chrono::seconds positive_cache_time{0};
  std::chrono::seconds negative_cache_time{0};
};

// Opens reputation_score_maps relative to config_directory; every error names its parameter.
Result<Settings> settings(const config::Params& p);

// The access(5) action for a finished evaluation (no caching), e.g. for `tern check`.
std::string action(const Settings& s, const Report& r, const Client& c);
// Is that action a reject or defer (a number 4xx/5xx)?
bool refuses(std::string_view action);

}  // namespace reputation

class ReputationPolicy : public Delegate {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // `now`: the cache's clock (tests inject one; default steady_clock).
  ReputationPolicy(reputation::Settings s, std::shared_ptr<dns::Resolver> resolver, Clock now = {});
  asio::awaitable<Result<std::string>> ask(const PolicyRequest& request) override;

  size_t cached() const { return cache_.size(); }

 private:
  struct Remembered {
    std::chrono::steady_clock::time_point until;
    std::optional<double> pass_rate;  // a pass; else a reject
    std::string reply;                // the reject
  };
  static constexpr size_t kCacheLimit = 4000;  // policyd-weight's CACHEMAXSIZE
  void remember(const std::string& key, Remembered r);

  reputation::Settings s_;
  std::shared_ptr<dns::Resolver> resolver_;
  Clock now_;
  std::map<std::string, Remembered> cache_;
  log::Logger log_{"smtpd"};
};

Result<std::shared_ptr<Delegate>> make_reputation(const config::Params& p, std::shared_ptr<dns::Resolver> resolver);

}  // namespace tern::policy
