// Postfix cipher grades as OpenSSL cipher lists: the grade (smtpd_tls_ciphers or
// smtpd_tls_mandatory_ciphers) picks tls_high_cipherlist, tls_medium_cipherlist or
// tls_null_cipherlist, then each exclusion (smtpd_tls_[mandatory_]exclude_ciphers) is
// appended as ":!X", as Postfix's tls_set_ciphers() does. These lists govern TLS 1.2 and
// older; TLS 1.3 suites are OpenSSL's defaults, as in Postfix.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"

namespace tern::tls {

enum class Grade { high, medium, null };

// "high", "medium", "null"; "export" and "low" mean medium with a warning (Postfix 3.x).
// Anything else is an error naming `param`.
Result<Grade> parse_grade(std::string_view value, std::string_view param,
                          std::vector<std::string>* warnings);

// The grade's base list with the exclusions appended. An exclusion that starts with one of
// "!+-@" is an error naming `exclude_param`, as in Postfix.
Result<std::string> cipher_list(Grade grade, const config::Params& p,
                                const std::vector<std::string>& exclusions,
                                std::string_view exclude_param);

}  // namespace tern::tls
