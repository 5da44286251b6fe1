// check_reputation as a Delegate: settings, the reply wording, the result cache.
#include "policy/reputation.hpp"

#include <fmt/format.h>

#include "base/log.hpp"
#include "base/strings.hpp"

namespace tern::policy {

namespace reputation {

namespace {

Result<double> decimal_param(std::string_view name, const std::string& value) {
  auto d = parse_decimal(trim(value));
  if (!d) return Error{fmt::format("{}: {}", name, d.error().message)};
  return *d;
}

// An access(5) reply "NNN text" with a code from `lo` to `hi`.
Status check_reply(std::string_view name, const std::string& reply, int lo = 400, int hi = 599) {
  auto code = parse_int(std::string_view(reply).substr(0, 3));
  if (reply.size() < 3 || !code || *code < lo || *code > hi || (reply.size() > 3 && reply[3] != ' '))
    return Error{fmt::format("{}: \"{}\" must start with a reply code from {} to {}", name, printable(reply, 60), lo, hi)};
  return ok_status();
}

std::string rate_text(double rate) { return "rate: " + perl_number(rate); }

}  // namespace

Result<Settings> settings(const config::Params& p) {
  Settings s;
  maps::OpenContext ctx{p.config_directory, p.local_passwd_file, false};
  auto tables = maps::MapList::open(p.reputation_score_maps, ctx);
  if (!tables) return Error{"reputation_score_maps: " + tables.error().message};
  auto scores = read_scores([&](std::string_view key) { return tables->find(key); });
  if (!scores) return scores.error();
  s.scores = std::move(*scores);
  for (auto [name, value, out] : {std::tuple{"reputation_reject_level", &p.reputation_reject_level, &s.limits.reject_level},
                                  std::tuple{"reputation_max_dnsbl_score", &p.reputation_max_dnsbl_score, &s.limits.max_dnsbl_score},
                                  std::tuple{"reputation_defer_level", &p.reputation_defer_level, &s.defer_level}}) {
    auto d = decimal_param(name, *value);
    if (!d) return d.error();
    *out = *d;
  }
  s.limits.max_dnsbl_hits = p.reputation_max_dnsbl_hits;
  s.limits.max_dns_errors = p.reputation_max_dns_errors;
  for (auto [name, value] : {std::pair{"reputation_reject_reply", &p.reputation_reject_reply},
                             std::pair{"reputation_dnsbl_reply", &p.reputation_dnsbl_reply},
                             std::pair{"reputation_dns_error_reply", &p.reputation_dns_error_reply}})
    if (auto st = check_reply(name, *value); !st) return st.error();
  if (auto st = check_reply("reputation_defer_code", p.reputation_defer_code, 400, 499); !st) return st.error();
  s.reject_reply = p.reputation_reject_reply;
  s.dnsbl_reply = p.reputation_dnsbl_reply;
  s.dns_error_reply = p.reputation_dns_error_reply;
  s.defer_code = p.reputation_defer_code;
  for (auto w : split_any(p.reputation_defer_checks, " \t,")) s.defer_checks.emplace_back(w);
  s.header = std::string(trim(p.reputation_header));
  for (char c : s.header)
    if (c <= ' ' || c == ':' || c > '~')
      return Error{fmt::format("reputation_header: \"{}\" is not a header name", printable(s.header, 60))};
  s.positive_cache_time = p.reputation_positive_cache_time;
  s.negative_cache_time = p.reputation_negative_cache_time;
  return s;
}

std::string action(const Settings& s, const Report& r, const Client& c) {
  auto pass = [&](const std::string& text) { return s.header.empty() ? std::string("DUNNO") : "PREPEND " + s.header + ": " + text; };
  switch (r.outcome) {
    case Outcome::dnsbl_limit:
      return fmt::format("{}; {}", s.dnsbl_reply, rate_text(r.rate));
    case Outcome::dns_trouble:
      return pass("passed - too many local DNS-errors");
    case Outcome::no_dns:
      return fmt::format("{} Your HELO: {}, IP: {}", s.dns_error_reply, c.helo, c.ip.to_string());
    case Outcome::cached_pass:
      return pass("using cached result; " + rate_text(r.rate));
    case Outcome::scored:
      break;
  }
  if (r.rate < s.limits.reject_level) return pass(r.explanation() + "; " + rate_text(r.rate));
  std::string reply = s.reject_reply;
  if (r.rate < s.defer_level) {
    const std::string expl = " " + r.explanation();
    for (const auto& w : s.defer_checks)
      if (expl.find(" " + w) != std::string::npos) {
        reply = s.defer_code + reply.substr(3);
        break;
      }
  }
  if (!r.helo_trusted)
    reply += fmt::format("; MTA helo: {}, MTA hostname: {}[{}] (helo/hostname mismatch)", c.helo, c.client_name,
                         c.ip.to_string());
  return reply + r.rhsbl_note + r.relay_note + r.dyndns_note + "; " + rate_text(r.rate);
}

bool refuses(std::string_view action) { return !action.empty() && (action[0] == '4' || action[0] == '5'); }

}  // namespace reputation

ReputationPolicy::ReputationPolicy(reputation::Settings s, std::shared_ptr<dns::Resolver> resolver, Clock now)
    : s_(std::move(s)), resolver_(std::move(resolver)), now_(std::move(now)) {
  if (!now_) now_ = [] { return std::chrono::steady_clock::now(); };
}

void ReputationPolicy::remember(const std::string& key, Remembered r) {
  if (cache_.size() >= kCacheLimit) {
    const auto now = now_();
    std::erase_if(cache_, [&](const auto& e) { return e.second.until <= now; });
    if (cache_.size() >= kCacheLimit) cache_.clear();
  }
  cache_[key] = std::move(r);
}

asio::awaitable<Result<std::string>> ReputationPolicy::ask(const PolicyRequest& request) {
  using namespace reputation;
  if (!iequals(request.get("protocol_state"), "RCPT")) co_return std::string("DUNNO");
  auto ip = IpAddress::parse(request.get("client_address"));
  if (!ip) co_return Error{fmt::format("check_reputation: bad client_address \"{}\"", printable(request.get("client_address"), 64))};
  Client c{ip->unmapped(), lower(request.get("helo_name")), lower(request.get("sender")), lower(request.get("client_name"))};
  const std::string rcpt = lower(request.get("recipient"));
  if (c.sender.empty() || rcpt.starts_with("postmaster@") || rcpt.starts_with("abuse@")) co_return std::string("DUNNO");
  const std::string domain = c.sender.substr(c.sender.rfind('@') + 1);
  const std::string key = fmt::format("{}|{}|{}", c.ip.to_string(), c.helo, domain), ip_key = c.ip.to_string() + "||";
  const auto now = now_();
  std::optional<double> pass_rate;
  for (const auto* k : {&key, &ip_key}) {
    auto it = cache_.find(*k);
    if (it == cache_.end()) continue;
    if (it->second.until <= now) {
      cache_.erase(it);
      continue;
    }
    if (!it->second.pass_rate) co_return it->second.reply + " [cached]";
    pass_rate = it->second.pass_rate;
  }
  Report r = co_await evaluate(*resolver_, s_.scores, s_.limits, c, pass_rate);
  std::string answer = action(s_, r, c);
  log_.info("reputation: weighted check: {}; <client={}[{}]> <helo={}> <from={}> <to={}>; rate: {}; action={}",
            r.explanation(), printable(c.client_name, 100), c.ip.to_string(), printable(c.helo, 100),
            printable(c.sender, 100), printable(rcpt, 100), perl_number(r.rate), printable(answer, 300));
  const bool rejects = answer[0] == '5';
  if (rejects && s_.negative_cache_time.count() > 0)
    remember(r.cacheable_by_client || r.outcome == Outcome::dnsbl_limit ? ip_key : key,
             {now + s_.negative_cache_time, std::nullopt, answer});
  else if (r.outcome == Outcome::scored && !refuses(answer) && r.dnsbl_hits < 1 && s_.positive_cache_time.count() > 0)
    remember(key, {now + s_.positive_cache_time, r.rate, {}});
  co_return answer;
}

Result<std::shared_ptr<Delegate>> make_reputation(const config::Params& p, std::shared_ptr<dns::Resolver> resolver) {
  auto s = reputation::settings(p);
  if (!s) return s.error();
  return std::shared_ptr<Delegate>(std::make_shared<ReputationPolicy>(std::move(*s), std::move(resolver)));
}

}  // namespace tern::policy
