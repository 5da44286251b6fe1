// The greylist state machine; see greylist_state.hpp. Comments name the postgrey lines
// each step follows, since matching its decisions is the point.
#include "policy/greylist_state.hpp"

#include "base/strings.hpp"

namespace tern::policy {

namespace {

// postgrey counts at most one auto-whitelist pass per client and hour.
constexpr long long kAwlSpacing = 3600;

std::optional<std::pair<long long, long long>> decode_pair(std::string_view text) {
  auto comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto a = parse_int(text.substr(0, comma)), b = parse_int(text.substr(comma + 1));
  if (!a || !b || *a < 0 || *b < 0) return std::nullopt;
  return std::pair{*a, *b};
}

}  // namespace

std::string encode(const TripletRecord& r) { return std::to_string(r.first) + "," + std::to_string(r.last); }
std::string encode(const ClientRecord& r) { return std::to_string(r.count) + "," + std::to_string(r.last); }

std::optional<TripletRecord> decode_triplet(std::string_view text) {
  auto p = decode_pair(text);
  if (!p) return std::nullopt;
  return TripletRecord{p->first, p->second};
}

std::optional<ClientRecord> decode_client(std::string_view text) {
  auto p = decode_pair(text);
  if (!p) return std::nullopt;
  return ClientRecord{p->first, p->second};
}

bool has_passed(const TripletRecord& r, const GreylistTiming& t) { return r.last - r.first >= t.delay; }

bool is_expired(const TripletRecord& r, long long now, const GreylistTiming& t) {
  return now - r.last > t.max_age || (!has_passed(r, t) && now - r.last > t.retry_window);
}

bool is_expired(const ClientRecord& r, long long now, const GreylistTiming& t) { return now - r.last > t.max_age; }

ClientCheck check_client(const std::optional<ClientRecord>& stored, long long now, const GreylistTiming& t) {
  ClientCheck c;
  if (t.auto_whitelist <= 0 || !stored || is_expired(*stored, now, t) || stored->count < t.auto_whitelist)
    return c;
  c.whitelisted = true;
  // Keep "last seen" fresh (hourly), and count the pass for statistics.
  if (now >= stored->last + kAwlSpacing || stored->last > now) c.store = ClientRecord{stored->count + 1, now};
  return c;
}

TripletStep step_triplet(const std::optional<TripletRecord>& stored, const std::optional<ClientRecord>& client,
                         long long now, const GreylistTiming& t) {
  TripletStep s;
  long long first = now;
  bool passed_before = false;
  // A forgotten triplet is a new one (postgrey forgets at its nightly maintenance; we do
  // it at lookup too, so the answer does not depend on when the purge ran).
  if (stored && !is_expired(*stored, now, t)) {
    first = stored->first;
    passed_before = has_passed(*stored, t);
    if (!passed_before && now - first > t.retry_window) first = now;  // retried too late
    if (first > now) first = now;  // first seen in the future: the clock went back
  }
  s.store = TripletRecord{first, now};
  long long left = t.delay - (now - first);
  if (left > 0) {
    s.outcome = TripletOutcome::greylisted;
    s.early_retry = first != now;
    s.seconds = left;
    return s;
  }
  if (passed_before) {
    s.outcome = TripletOutcome::passed;
    return s;
  }
  s.outcome = TripletOutcome::passed_after_delay;
  s.seconds = now - first;
  std::optional<ClientRecord> c = client;
  if (c && is_expired(*c, now, t)) c.reset();
  if (t.auto_whitelist > 0 && (!c || now >= c->last + kAwlSpacing)) {
    s.client = ClientRecord{(c ? c->count : 0) + 1, now};
    s.client_whitelisted_now = s.client->count == t.auto_whitelist;
  }
  return s;
}

}  // namespace tern::policy
