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

Result<std::unique_ptr<Verifier>> Verifier::open(const config::Params& p, Submit submit) {
  auto cache = maps::open_cache_table(p.address_verify_map, "address_verify_map");
  if (!cache) return cache.error();
  return std::make_unique<Verifier>(std::move(*cache), ProbeSettings::from(p), std::move(submit));
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

policy::VerifyAnswer Verifier::query(std::string_view address) {
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
  auto next = policy::apply_result(load(key), status, std::move(text), s_.times, clock_());
  if (next) store(key, *next);
}

size_t Verifier::purge() {
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
