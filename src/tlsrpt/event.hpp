// TLS-RPT (RFC 8460) as data: the result types of §4.3, the policy that applied to a
// session (sts, tlsa or none found), and one Event per TLS session outcome the smtp
// client counts. An Event travels as one JSON object on one line (encode/decode), the
// form the day files of the store keep; decode() is strict, since the files are ours.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::tlsrpt {

// RFC 8460 §4.3.2.1-4.3.2.3 result types (failures; success is the absence of one).
enum class ResultType {
  starttls_not_supported,
  certificate_host_mismatch,
  certificate_expired,
  certificate_not_trusted,
  validation_failure,
  tlsa_invalid,
  dnssec_invalid,
  dane_required,
  sts_policy_fetch_error,
  sts_policy_invalid,
  sts_webpki_invalid,
};
std::string_view result_name(ResultType t);  // "certificate-host-mismatch"
std::optional<ResultType> parse_result(std::string_view name);

// RFC 8460 §4.3 policy-type.
enum class PolicyType { sts, tlsa, no_policy_found };
std::string_view policy_type_name(PolicyType t);  // "no-policy-found"
std::optional<PolicyType> parse_policy_type(std::string_view name);

// The policy in force for one session: what the report's "policy" object says.
struct Policy {
  PolicyType type = PolicyType::no_policy_found;
  std::vector<std::string> strings;  // policy-string: STS policy lines or TLSA records
  std::vector<std::string> mx_host;  // STS: the policy's mx patterns; TLSA: the MX host

  bool operator==(const Policy&) const = default;
};

struct Event {
  std::string day;                   // UTC "YYYY-MM-DD"
  std::string domain;                // the policy domain (the recipient domain)
  Policy policy;
  std::optional<ResultType> failure; // absent: a successful TLS session
  std::string sending_ip;            // our address, "" when not known
  std::string receiving_ip;
  std::string receiving_mx;          // the MX host name we connected to
  std::string detail;                // additional-information (the log's reason)
};

// "YYYY-MM-DD" for a time in UTC; and whether text is such a date.
std::string utc_day(long long unix_time);
bool valid_day(std::string_view day);

std::string encode(const Event& e);   // one line of JSON, no newline
Result<Event> decode(std::string_view line);

}  // namespace tern::tlsrpt
