// MTA-STS (RFC 8461) as data: the `_mta-sts` TXT record that announces a policy and its
// id (§3.1), the policy file served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt
// (§3.2), and the MX host patterns a policy allows (§4.1). Pure: no I/O.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::sts {

// The announcement in DNS. Only `id` matters to a sender: a new id means a new policy.
struct Record {
  std::string id;
};

// sts-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."); TLS-RPT's record
// (RFC 8460 §3) names its extensions the same way.
bool valid_ext_name(std::string_view name);

// One TXT string (the record's character-strings already joined). Errors name what is wrong.
Result<Record> parse_record(std::string_view txt);

// §3.1 over all TXT strings at _mta-sts.DOMAIN: those not starting with "v=STSv1;" are
// discarded; anything but exactly one left, or one that does not parse, means the domain
// has no usable policy (the error says why).
Result<Record> select_record(const std::vector<std::string>& txts);

enum class Mode { enforce, testing, none };
std::string_view mode_name(Mode m);

struct Policy {
  Mode mode = Mode::none;
  std::vector<std::string> mx;   // patterns, lower case: "mail.example.com", "*.example.net"
  std::chrono::seconds max_age{0};
};

// The largest max_age RFC 8461 allows (one year), and the size limit's default.
inline constexpr std::chrono::seconds kMaxAgeLimit{31557600};

// The policy file body: LF or CRLF separated "key: value" lines; `version: STSv1`,
// `mode`, `max_age` required, `mx` required unless mode is none; unknown keys ignored.
Result<Policy> parse_policy(std::string_view body);

// One `mx` pattern against an MX host name (case-insensitive, trailing dot ignored): an
// exact name, or "*." and a domain that matches exactly one more leftmost label.
bool mx_pattern_matches(std::string_view pattern, std::string_view host);
bool mx_allowed(const Policy& p, std::string_view host);

// The policy file text for a Policy (the form the disk cache keeps).
std::string format_policy(const Policy& p);

}  // namespace tern::sts
