// The spam trap delegate; see spamtrap.hpp.
#include "policy/spamtrap.hpp"

#include <ctime>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "policy/access.hpp"

namespace tern::policy {

namespace {

// "2026-12-08 15:10:00 UTC"
std::string utc_time(int64_t t) {
  std::time_t tt = std::time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

Result<std::string> Spamtrap::decide(const PolicyRequest& request, int64_t now) {
  std::string_view rcpt = request.get("recipient");
  if (rcpt.empty()) return std::string("DUNNO");  // not at RCPT: nothing to trap
  // The whole address goes to every table; the partial keys to fixed-key tables only.
  auto keys = address_keys(rcpt, s_.recipient_delimiter);
  bool trapped = false;
  for (size_t i = 0; i < keys.size() && !trapped; ++i) {
    auto hit = s_.traps->lookup(keys[i], i > 0);
    if (!hit) return hit.error();
    trapped = hit->has_value();
  }
  if (!trapped) return std::string("DUNNO");

  log::Logger log("smtpd", s_.syslog_name);
  std::string_view qid = request.get("queue_id");
  std::string_view addr = request.get("client_address");
  std::string_view name = request.get("client_name");
  std::string line = fmt::format("{}: spamtrap: RCPT from {}[{}]: to=<{}> from=<{}> helo=<{}>",
                                 qid.empty() ? "NOQUEUE" : qid, name.empty() ? "unknown" : printable(name, 255),
                                 printable(addr, 64), printable(rcpt, 300), printable(request.get("sender"), 300),
                                 printable(request.get("helo_name"), 255));
  line += s_.discard ? "; message discarded" : "; message accepted";
  if (s_.block_time > 0 && !addr.empty()) {
    auto r = s_.blocklist->block(addr, rcpt, s_.block_action, now, s_.block_time);
    if (r) line += fmt::format("; client blocked until {} (hits={})", utc_time(r->until), r->hits);
    else log.warning("spamtrap: client {} not blocked: {}", printable(addr, 64), r.error().message);
  }
  log.info("{}", line);
  return std::string(s_.discard ? "DISCARD spam trap" : "DUNNO");
}

asio::awaitable<Result<std::string>> Spamtrap::ask(const PolicyRequest& request) {
  co_return decide(request, int64_t(std::time(nullptr)));
}

Result<std::shared_ptr<Delegate>> make_spamtrap(const config::Params& p) {
  Spamtrap::Settings s;
  if (p.spamtrap_maps.empty()) return Error{"check_spamtrap: spamtrap_maps is empty: name the table of trap addresses"};
  std::string action = lower(trim(p.spamtrap_action));
  if (action != "discard" && action != "accept")
    return Error{"spamtrap_action: \"" + printable(p.spamtrap_action, 80) + "\": expected accept or discard"};
  s.discard = action == "discard";
  maps::OpenContext ctx{p.config_directory, p.local_passwd_file, false};
  auto traps = maps::MapList::open(p.spamtrap_maps, ctx);
  if (!traps) return Error{"spamtrap_maps: " + traps.error().message};
  s.traps = std::make_shared<const maps::MapList>(std::move(*traps));
  s.block_time = p.spamtrap_block_time.count();
  if (s.block_time > 0) {
    auto b = maps::Blocklist::open(p.spamtrap_blocklist_database, p.config_directory);
    if (!b) return Error{"spamtrap_blocklist_database: " + b.error().message};
    s.blocklist = std::move(*b);
  }
  std::string block_action(trim(p.spamtrap_blocklist_action));
  if (block_action.empty()) return Error{"spamtrap_blocklist_action is empty: give an access(5) action"};
  s.block_action = std::move(block_action);
  s.recipient_delimiter = p.recipient_delimiter;
  s.syslog_name = p.syslog_name;
  return std::shared_ptr<Delegate>(std::make_shared<Spamtrap>(std::move(s)));
}

}  // namespace tern::policy
