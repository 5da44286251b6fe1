// Address verification results as Postfix's verify(8) keeps them: per address a status
// (deliverable, deferred, undeliverable, or a probe in progress), when the result came
// in, when the address was last probed, and the text the delivery agent reported. This
// file is the record's text form (one line, versioned) and the rules that decide, at a
// given time, whether a record answers a query and whether a new probe must go out.
// No I/O and no clock: `now` is passed in, so the rules are tested with any time.
//
// Record text: "1 STATUS UPDATED PROBED TEXT"
//   1        the format version
//   STATUS   ok | deferred | undeliverable | pending (a probe is out, no result yet)
//   UPDATED  when the result came in (seconds since the epoch; 0 for pending)
//   PROBED   when the last probe went out (0: never)
//   TEXT     the rest of the line (printable, may be empty)
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/params.hpp"

namespace tern::policy {

enum class VerifyStatus { ok, deferred, undeliverable, pending };

const char* status_name(VerifyStatus s);

struct VerifyRecord {
  VerifyStatus status = VerifyStatus::pending;
  std::time_t updated = 0;
  std::time_t probed = 0;
  std::string text;

  bool operator==(const VerifyRecord&) const = default;
};

// The record's text; control characters in `text` are made printable, so it stays one line.
std::string format_record(const VerifyRecord& r);
// An error names what is wrong; callers treat such a record as absent (and warn).
Result<VerifyRecord> parse_record(std::string_view text);

// The address_verify_* times, in seconds.
struct VerifyTimes {
  std::time_t positive_expire = 31 * 86400, positive_refresh = 7 * 86400;
  std::time_t negative_expire = 3 * 86400, negative_refresh = 3 * 3600;
  // A probe in flight is not repeated for this long (Postfix's fixed PROBE_TTL).
  std::time_t probe_ttl = 1000;

  // address_verify_negative_cache = no keeps a failed result only as long as a waiting
  // SMTP server polls for it (poll_count x poll_delay), so each later query probes again.
  static VerifyTimes from(const config::Params& p);
};

inline constexpr std::string_view kVerifyInProgress = "Address verification in progress";

// What the cache says about an address at `now`.
struct VerifyAnswer {
  VerifyStatus status = VerifyStatus::pending;
  std::string text;
  bool send_probe = false;
  std::optional<VerifyRecord> store;  // write this record back (placeholder, probe time)
};

// Postfix verify(8)'s query: no record, or an expired one, answers "in progress" and
// probes (storing a pending placeholder); a usable record answers with its status and
// probes again when it is due for a refresh and no probe went out within probe_ttl.
VerifyAnswer answer_query(const std::optional<VerifyRecord>& cached, const VerifyTimes& t, std::time_t now);

// A probe's result arrived. The record to store, or nullopt to keep `cached`: a deferral
// does not overwrite a deliverable result that has not expired.
std::optional<VerifyRecord> apply_result(const std::optional<VerifyRecord>& cached, VerifyStatus result,
                                         std::string text, const VerifyTimes& t, std::time_t now);

// Whether the record is past its lifetime (address_verify_cache_cleanup_interval purges these).
bool expired(const VerifyRecord& r, const VerifyTimes& t, std::time_t now);

}  // namespace tern::policy
