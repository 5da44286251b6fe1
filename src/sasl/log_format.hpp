// Log text for AUTH, in Postfix's words so fail2ban filters and pflogsumm keep working:
//   "4Yg3Nf0x5WzK: client=unknown[127.0.0.1], sasl_method=PLAIN, sasl_username=alice"
//     → client_log_suffix() gives ", sasl_method=PLAIN, sasl_username=alice"
//   "warning: unknown[127.0.0.1]: SASL PLAIN authentication failed: <reason>, sasl_username=alice"
//     → auth_failed_text() gives everything after "warning: " (log it with Logger::warning)
//   "warning: unknown[127.0.0.1]: SASL LOGIN authentication aborted"
// Untrusted parts (user names, reasons) are truncated and made printable.
#pragma once
#include <string>
#include <string_view>

#include "sasl/backend.hpp"

namespace tern::sasl {

// "name[addr]" — the client as Postfix names it (name "unknown" when it has none).
std::string client_namaddr(std::string_view name, std::string_view addr);

// "sasl_method=PLAIN, sasl_username=alice"
std::string sasl_log_fields(std::string_view method, std::string_view username);
// ", sasl_method=PLAIN, sasl_username=alice" for the client= line ("" when not authenticated).
std::string client_log_suffix(std::string_view method, std::string_view username);

// Postfix 3.7's wording: "<namaddr>: SASL <method> authentication failed: <reason>,
// sasl_username=<user>" ("(reason unavailable)" / "(unavailable)" for empty ones).
std::string auth_failed_text(std::string_view namaddr, std::string_view method,
                             const AuthResult& r);
// "<namaddr>: SASL <method> authentication aborted"
std::string auth_aborted_text(std::string_view namaddr, std::string_view method);

}  // namespace tern::sasl
