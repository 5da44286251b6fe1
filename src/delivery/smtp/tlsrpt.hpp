// TLS-RPT counting in the smtp client (smtp_tlsrpt_enable): which RFC 8460 result type a
// TLS outcome is, which policy applied (an enforced MTA-STS policy, DANE's TLSA records, or
// none found), and the TlsReporter that appends one Event per counted session to the
// tlsrpt_database day file. A session resumed from the TLS session cache is not counted
// when smtp_tlsrpt_skip_reused_handshakes is set; a reused connection is never counted
// (no handshake happens).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "config/params.hpp"
#include "delivery/smtp/tls_client.hpp"
#include "delivery/smtp/tls_policy.hpp"
#include "sts/policy.hpp"
#include "tlsrpt/event.hpp"

namespace tern::delivery::smtp {

// What STARTTLS and the handshake came to on one connection, as the Establisher saw it.
struct TlsNote {
  bool attempted = false;                      // a handshake ran, or STARTTLS was missing
  std::optional<tlsrpt::ResultType> failure;   // absent and attempted: TLS succeeded
  bool reused = false;                         // the session was resumed
  std::string detail;                          // the failure's reason, for the report
  std::string sending_ip;                      // our address on the connection, if known
  // The peer check of a completed handshake, whatever the level demanded (MTA-STS testing
  // mode reports what enforce mode would have refused).
  bool trusted = false, verified = false;
  long verify_error = 0;
};

// The result type of a handshake that did not satisfy `pol` (r.ok is false).
tlsrpt::ResultType classify(const TlsResult& r, const TlsPolicy& pol);

// Under an MTA-STS policy in testing mode (not enforced, RFC 8461 §5): what enforce mode
// would have refused — an MX the policy does not name, a chain that does not verify, a
// certificate without the MX host name — or nullopt; a failure of TLS itself stays.
std::optional<tlsrpt::ResultType> testing_failure(const TlsNote& note, bool mx_allowed);

// The report's policy: TLSA records at DANE verification, else an enforced STS policy, else none.
tlsrpt::Policy report_policy(const TlsPolicy& tls, const sts::Policy* sts, const std::string& mx_host);

class TlsReporter {
 public:
  // Null when smtp_tlsrpt_enable is off.
  static std::unique_ptr<TlsReporter> make(const config::Params& p, const log::Logger& log);

  bool skip_reused() const { return skip_reused_; }
  // Appends `e` (its day set to today, UTC); a failure to write is logged, never fatal.
  void record(tlsrpt::Event e) const;

 private:
  TlsReporter(std::string dir, bool skip_reused, const log::Logger& log)
      : dir_(std::move(dir)), skip_reused_(skip_reused), log_(log) {}
  std::string dir_;
  bool skip_reused_;
  log::Logger log_;
};

}  // namespace tern::delivery::smtp
