// What a check_policy_service argument says: the server's endpoint and the client's
// settings for it. Postfix's forms:
//   inet:host:port            host an IP literal ([v6] too) or a name from /etc/hosts
//   unix:/path, unix:private/policy   (relative to queue_directory, as Postfix does)
//   { inet:127.0.0.1:9998, timeout=10s, default_action=DUNNO, max_idle=..., max_ttl=...,
//     try_limit=..., request_limit=..., retry_delay=..., policy_context=... }
// (Postfix 3.0's per-service settings; a value with spaces is grouped with braces:
// "{ default_action = 450 4.7.1 try later }"). Settings not given come from the
// smtpd_policy_service_* parameters. Parsing does no I/O and no name lookups.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/params.hpp"

namespace tern::policy {

struct PolicyServiceSettings {
  enum class Kind { inet, unix_socket };
  Kind kind = Kind::inet;
  std::string host;  // inet: as written, brackets removed
  std::string port;  // inet: a decimal port number
  std::string path;  // unix: absolute (queue_directory prepended to a relative path)
  std::string name;  // the endpoint as written ("inet:127.0.0.1:10023"), for logging

  std::chrono::milliseconds timeout{100000};      // connect + write + read, per attempt
  std::string default_action = "451 4.3.5 Server configuration problem";
  std::chrono::milliseconds max_idle{300000};     // close a pooled connection idle this long
  std::chrono::milliseconds max_ttl{1000000};     // close a connection this long after connect
  long long try_limit = 2;                        // attempts per request
  long long request_limit = 0;                    // requests per connection, 0 = unlimited
  std::chrono::milliseconds retry_delay{1000};    // pause between attempts
  std::string policy_context;

  bool operator==(const PolicyServiceSettings&) const = default;
};

// The settings for `spec` with `params`' smtpd_policy_service_* values as defaults. The
// enclosing braces are optional (a restriction list may have removed them already).
Result<PolicyServiceSettings> parse_policy_service_spec(std::string_view spec, const config::Params& params);

}  // namespace tern::policy
