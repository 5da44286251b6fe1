// The password file of smtpd_sasl_type = tern: one `user:hash` per line, the format
// Dovecot's passwd-file takes (extra ':'-separated fields after the hash are ignored, a
// `{SCHEME}` prefix such as {CRYPT}, {SHA512-CRYPT}, {BLF-CRYPT} is dropped), '#'
// comments and blank lines skipped. Hashes are crypt(3) strings ($6$, $5$, $y$, $2b$, …)
// checked with libcrypt's crypt_r and compared in constant time. A hash of "!…" or "*…"
// marks a locked account. Malformed lines are reported (file:line) and skipped.
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tern::sasl {

struct PasswdTable {
  std::unordered_map<std::string, std::string> users;  // user → crypt hash (scheme stripped)
  std::vector<std::string> warnings;                   // "file:line: what is wrong"
  size_t bad_lines = 0;
};

PasswdTable parse_passwd(std::string_view text, std::string_view filename);

// True when `password` hashes to `hash` under crypt_r. Slow by design (that is the
// point of these hashes): call it off the io thread.
bool crypt_verify(std::string_view password, const std::string& hash);

// Equal without an early exit (the length is not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace tern::sasl
