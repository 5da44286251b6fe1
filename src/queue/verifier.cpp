// The address verification service; see verifier.hpp.
#include "queue/verifier.hpp"

#include <fmt/format.h>

#include "base/queue_id.hpp"
#include "base/strings.hpp"
#include "base/time.hpp"
#include "smtp/address.hpp"

namespace tern::queue {

using policy::VerifyRecord;
using policy::VerifyStatus;

ProbeSettings ProbeSettings::from(const config::Params& p) {
  ProbeSettings s;
  std::string sender(trim(p.address_verify_sender));
  s.sender = sender.empty() || sender == "<>" ? "" : smtp::qualify_address(sender, p.myorigin);
  s.myhostname = p.myhostname;
  s.pending_limit = size_t(std::max<long long>(1, p.address_verify_pending_request_limit));
  s.times = policy::VerifyTimes::from(p);
  return s;
}

Message make_probe(const ProbeSettings& s, std::string_view address, double now) {
  Message m;
  Envelope& e = m.envelope;
  e.queue_id = make_queue_id();
  e.sender = s.sender;
  e.arrival = now;
  e.client = ClientInfo{"localhost", "127.0.0.1", 0, "", "LOCAL"};
  e.verify_probe = true;
  e.recipients.push_back(Recipient{std::string(address)});
  std::string from = s.sender.empty() ? "MAILER-DAEMON@" + s.myhostname : s.sender;
  m.content = fmt::format("From: <{}>\nTo: <{}>\nSubject: probe\nDate: {}\n\n", from, address,
                          rfc5322_date(std::time_t(now)));
  return m;
}

Verifier::Verifier(std::unique_ptr<maps::CacheTable> cache, ProbeSettings s, Submit submit, Clock clock)
    : cache_(std::move(cache)), where_(cache_->where()), s_(std::move(s)), submit_(std::move(submit)),
      clock_(clock ? std::move(clock) : Clock([] { return std::time(nullptr); })) {}

Verifier::Verifier(const config::Params& p, Submit submit)
    : spec_(p.address_verify_map), s_(ProbeSettings::from(p)), submit_(std::move(submit)),
      clock_([] { return std::time(nullptr); }) {}

// Opens the table at the first use; a failure is logged once and retried at the next use.
bool Verifier::open() {
  if (cache_) return true;
  auto t = maps::open_cache_table(spec_, "address_verify_map");
  if (!t) {
    if (open_error_ != t.error().message) log_.error("{}", t.error().message);
    open_error_ = t.error().message;
    return false;
  }
  cache_ = std::move(*t);
  where_ = cache_->where();
  open_error_.clear();
  return true;
}

std::optional<VerifyRecord> Verifier::load(const std::string& key) {
  auto raw = cache_->get(key);
  if (!raw) {
    log_.warning("{}: lookup {}: {}", where_, printable(key), raw.error().message);
    return std::nullopt;
  }
  if (!*raw) return std::nullopt;
  auto r = policy::parse_record(**raw);
  if (!r) {
    log_.warning("{}: ignoring the damaged record for {} ({}): \"{}\"", where_, printable(key), r.error().message,
                 printable(**raw, 100));
    return std::nullopt;
  }
  return *r;
}

void Verifier::store(const std::string& key, const VerifyRecord& r) {
  if (auto st = cache_->put(key, policy::format_record(r)); !st)
    log_.warning("{}: update {}: {}", where_, printable(key), st.error().message);
}

Result<policy::VerifyAnswer> Verifier::query(std::string_view address) {
  if (!open()) return Error{"address verification cache unavailable: " + open_error_};
  std::string key = lower(address);
  std::time_t now = clock_();
  auto a = policy::answer_query(load(key), s_.times, now);
  if (!a.send_probe) return a;
  if (in_flight_.size() >= s_.pending_limit && !in_flight_.count(key)) {
    log_.warning("{}: not probed: {} probes are out (address_verify_pending_request_limit)", printable(address),
                 in_flight_.size());
    a.send_probe = false;
    return a;
  }
  if (a.store) store(key, *a.store);
  in_flight_.insert(key);
  submit_(std::make_shared<Message>(make_probe(s_, address, double(now))));
  return a;
}

void Verifier::record(std::string_view address, VerifyStatus status, std::string text) {
  std::string key = lower(address);
  in_flight_.erase(key);
  if (!open()) return;
  auto next = policy::apply_result(load(key), status, std::move(text), s_.times, clock_());
  if (next) store(key, *next);
}

size_t Verifier::purge() {
  if (!cache_) return 0;  // never used: nothing to clean
  std::time_t now = clock_();
  auto n = cache_->purge([&](std::string_view, std::string_view value) {
    auto r = policy::parse_record(value);
    return !r || policy::expired(*r, s_.times, now);  // damaged records go too
  });
  if (!n) {
    log_.warning("{}: cleanup: {}", where_, n.error().message);
    return 0;
  }
  return *n;
}

}  // namespace tern::queue
