// The AUTH command itself (RFC 4954 section 4), as pure checks the session runs before
// starting a mechanism: whether AUTH may be used now, and the parsed argument
// "mechanism [initial-response]" ("=" is an empty initial response).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sasl/reply.hpp"

namespace tern::sasl {

// What the session knows when AUTH arrives.
struct AuthGate {
  bool enabled = false;         // smtpd_sasl_auth_enable, a back end, not an exception network
  bool in_transaction = false;  // after MAIL FROM, before the end of DATA / RSET
  bool tls_required = false;    // smtpd_tls_auth_only = yes
  bool tls_active = false;
  bool authenticated = false;   // an earlier AUTH succeeded
};

// Postfix's order of refusals: 503 not enabled, 503 transaction in progress, 504
// encryption required, 503 already authenticated. nullopt: go on.
std::optional<Reply> check_auth_allowed(const AuthGate& g);

struct AuthCommand {
  std::string mechanism;                    // upper case
  std::optional<std::string> initial_response;  // base64 as sent; "" for "="
};

// Parses the text after "AUTH " against the advertised mechanisms: 501 5.5.4 for a
// missing mechanism or extra words, 504 5.5.4 for a mechanism not offered.
std::variant<AuthCommand, Reply> parse_auth_command(std::string_view args,
                                                    const std::vector<std::string>& offered);

}  // namespace tern::sasl
