// Address verification records and their rules; see verify_record.hpp.
#include "policy/verify_record.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::policy {

namespace {

std::optional<VerifyStatus> status_of(std::string_view s) {
  if (s == "ok") return VerifyStatus::ok;
  if (s == "deferred") return VerifyStatus::deferred;
  if (s == "undeliverable") return VerifyStatus::undeliverable;
  if (s == "pending") return VerifyStatus::pending;
  return std::nullopt;
}

// The next space-separated field of `rest`, consumed.
std::string_view take_field(std::string_view& rest) {
  size_t sp = rest.find(' ');
  std::string_view f = rest.substr(0, sp);
  rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
  return f;
}

std::optional<std::time_t> parse_time(std::string_view s) {
  if (s.empty() || s.size() > 12 || s[0] == '-' || s[0] == '+') return std::nullopt;
  auto v = parse_int(s);
  if (!v || *v < 0) return std::nullopt;
  return std::time_t(*v);
}

}  // namespace

const char* status_name(VerifyStatus s) {
  switch (s) {
    case VerifyStatus::ok: return "ok";
    case VerifyStatus::deferred: return "deferred";
    case VerifyStatus::undeliverable: return "undeliverable";
    case VerifyStatus::pending: return "pending";
  }
  return "pending";
}

std::string format_record(const VerifyRecord& r) {
  return fmt::format("1 {} {} {} {}", status_name(r.status), (long long)r.updated, (long long)r.probed,
                     printable(r.text, 1000));
}

Result<VerifyRecord> parse_record(std::string_view text) {
  std::string_view rest = text;
  if (take_field(rest) != "1") return Error{"unknown record version"};
  VerifyRecord r;
  auto status = status_of(take_field(rest));
  if (!status) return Error{"unknown status"};
  r.status = *status;
  auto updated = parse_time(take_field(rest));
  auto probed = parse_time(take_field(rest));
  if (!updated || !probed) return Error{"bad time field"};
  r.updated = *updated;
  r.probed = *probed;
  if ((r.status == VerifyStatus::pending) != (r.updated == 0))
    return Error{"a result without a time, or a pending probe with one"};
  for (char c : rest)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error{"control character in the text"};
  r.text.assign(rest);
  return r;
}

VerifyTimes VerifyTimes::from(const config::Params& p) {
  VerifyTimes t;
  t.positive_expire = p.address_verify_positive_expire_time.count();
  t.positive_refresh = p.address_verify_positive_refresh_time.count();
  t.negative_expire = p.address_verify_negative_expire_time.count();
  t.negative_refresh = p.address_verify_negative_refresh_time.count();
  if (!p.address_verify_negative_cache)
    t.negative_expire = t.negative_refresh =
        std::time_t(p.address_verify_poll_count) * p.address_verify_poll_delay.count();
  return t;
}

bool expired(const VerifyRecord& r, const VerifyTimes& t, std::time_t now) {
  switch (r.status) {
    case VerifyStatus::pending: return now - r.probed > t.probe_ttl;
    case VerifyStatus::ok: return now - r.updated > t.positive_expire;
    default: return now - r.updated > t.negative_expire;
  }
}

namespace {
bool refresh_due(const VerifyRecord& r, const VerifyTimes& t, std::time_t now) {
  if (r.status == VerifyStatus::pending) return false;  // its probe is still out
  std::time_t refresh = r.status == VerifyStatus::ok ? t.positive_refresh : t.negative_refresh;
  return now - r.updated > refresh && now - r.probed > t.probe_ttl;
}
}  // namespace

VerifyAnswer answer_query(const std::optional<VerifyRecord>& cached, const VerifyTimes& t, std::time_t now) {
  VerifyAnswer a;
  if (!cached || expired(*cached, t, now)) {
    a.text = kVerifyInProgress;
    a.send_probe = true;
    a.store = VerifyRecord{VerifyStatus::pending, 0, now, std::string(kVerifyInProgress)};
    return a;
  }
  a.status = cached->status;
  a.text = cached->status == VerifyStatus::pending ? std::string(kVerifyInProgress) : cached->text;
  if (refresh_due(*cached, t, now)) {
    a.send_probe = true;
    a.store = *cached;
    a.store->probed = now;
  }
  return a;
}

std::optional<VerifyRecord> apply_result(const std::optional<VerifyRecord>& cached, VerifyStatus result,
                                         std::string text, const VerifyTimes& t, std::time_t now) {
  if (result == VerifyStatus::pending) return std::nullopt;  // not a result
  if (result == VerifyStatus::deferred && cached && cached->status == VerifyStatus::ok && !expired(*cached, t, now))
    return std::nullopt;
  return VerifyRecord{result, now, cached ? cached->probed : now, std::move(text)};
}

}  // namespace tern::policy
