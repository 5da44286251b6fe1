// The address verification service (Postfix's verify(8)), inside the queue role, which
// owns the verify cache (address_verify_map) and the queue the probes go through:
//   query(address)   the cached status, or "in progress" after sending a probe
//   record(...)      a probe's result, from the queue manager when the probe is done
// smtpd asks over the queue link (reject_unverified_recipient / _sender), `tern verify`
// over the control socket; both end here. Runs on the queue role's main thread only.
#pragma once
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "base/log.hpp"
#include "base/result.hpp"
#include "config/params.hpp"
#include "maps/cache_table.hpp"
#include "message/envelope.hpp"
#include "policy/verify_record.hpp"

namespace tern::queue {

// What a probe message looks like: from address_verify_sender ("" or "<>" is the null
// sender, else qualified with $myorigin) to the one address, flagged as a probe.
struct ProbeSettings {
  std::string sender;
  std::string myhostname;
  size_t pending_limit = 5000;  // address_verify_pending_request_limit
  policy::VerifyTimes times;
  static ProbeSettings from(const config::Params& p);
};

Message make_probe(const ProbeSettings& s, std::string_view address, double now);

class Verifier {
 public:
  using Submit = std::function<void(std::shared_ptr<Message>)>;
  using Clock = std::function<std::time_t()>;

  // Over a table already open (tests); `submit` queues a probe.
  Verifier(std::unique_ptr<maps::CacheTable> cache, ProbeSettings s, Submit submit, Clock clock = nullptr);
  // Over address_verify_map, opened at the first use (as Postfix starts verify(8) on
  // demand), so a system that never verifies never needs the cache file.
  Verifier(const config::Params& p, Submit submit);

  // On reload: new times, sender and limits. The cache table stays (a changed
  // address_verify_map needs a restart; the caller warns).
  void reconfigure(ProbeSettings s) { s_ = std::move(s); }

  // An error when the cache cannot be opened (the SMTP server then answers with
  // unverified_*_tempfail_action).
  Result<policy::VerifyAnswer> query(std::string_view address);
  void record(std::string_view address, policy::VerifyStatus status, std::string text);
  // Removes expired records (address_verify_cache_cleanup_interval); how many.
  size_t purge();
  size_t probes_in_flight() const { return in_flight_.size(); }
  const std::string& where() const { return where_; }

 private:
  bool open();
  std::optional<policy::VerifyRecord> load(const std::string& key);
  void store(const std::string& key, const policy::VerifyRecord& r);

  std::unique_ptr<maps::CacheTable> cache_;
  std::string spec_;   // address_verify_map, until opened
  std::string where_;
  std::string open_error_;
  ProbeSettings s_;
  Submit submit_;
  Clock clock_;
  std::unordered_set<std::string> in_flight_;  // addresses with a probe out
  log::Logger log_{"verify"};
};

}  // namespace tern::queue
