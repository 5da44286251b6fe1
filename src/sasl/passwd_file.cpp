// Password file parsing and crypt(3) verification; see passwd_file.hpp.
#include "sasl/passwd_file.hpp"

#include <crypt.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

namespace tern::sasl {

namespace {

// The {SCHEME} prefixes whose value is a crypt(3) string.
constexpr std::array<std::string_view, 7> kCryptSchemes = {
    "CRYPT", "MD5-CRYPT", "SHA256-CRYPT", "SHA512-CRYPT", "BLF-CRYPT", "DES-CRYPT", "YESCRYPT"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

bool crypt_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '/' || c == '$' || c == '=' || c == ',' || c == '+' || c == '-';
}

// Empty when `hash` looks like something crypt_r understands, else what is wrong.
std::string check_hash(std::string_view hash) {
  if (hash.empty()) return "empty password hash";
  if (hash[0] == '!' || hash[0] == '*') return {};  // locked account
  if (!std::all_of(hash.begin(), hash.end(), crypt_char)) return "invalid character in password hash";
  if (hash[0] == '$') {
    size_t end = hash.find('$', 1);
    if (end == std::string_view::npos || end == 1) return "malformed crypt(3) hash";
    return {};
  }
  if (hash.size() == 13) return {};  // traditional DES
  return "not a crypt(3) hash";
}

}  // namespace

PasswdTable parse_passwd(std::string_view text, std::string_view filename) {
  PasswdTable t;
  size_t lineno = 0;
  auto bad = [&](std::string_view why) {
    t.warnings.push_back(std::string(filename) + ":" + std::to_string(lineno) + ": " + std::string(why) +
                         ", line skipped");
    ++t.bad_lines;
  };
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++lineno;
    std::string_view line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      bad("missing ':' between user and password hash");
      continue;
    }
    std::string_view user = line.substr(0, colon);
    std::string_view hash = line.substr(colon + 1);
    hash = hash.substr(0, hash.find(':'));  // passwd-file's uid:gid:… fields
    if (user.empty()) {
      bad("empty user name");
      continue;
    }
    if (hash.starts_with("{")) {
      size_t close = hash.find('}');
      std::string_view scheme = close == std::string_view::npos ? "" : hash.substr(1, close - 1);
      std::string up(scheme);
      std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return std::toupper(c); });
      if (std::find(kCryptSchemes.begin(), kCryptSchemes.end(), up) == kCryptSchemes.end()) {
        bad("unsupported password scheme {" + std::string(scheme) + "} (crypt(3) hashes only)");
        continue;
      }
      hash = hash.substr(close + 1);
    }
    if (auto why = check_hash(hash); !why.empty()) {
      bad(why);
      continue;
    }
    if (!t.users.emplace(std::string(user), std::string(hash)).second) bad("duplicate user " + std::string(user));
  }
  return t;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool crypt_verify(std::string_view password, const std::string& hash) {
  if (hash.empty() || hash[0] == '!' || hash[0] == '*') return false;
  if (password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a pool thread's stack
  std::string pw(password);
  const char* out = ::crypt_r(pw.c_str(), hash.c_str(), data.get());
  // libxcrypt returns a string starting with '*' (never a valid hash) on failure.
  bool ok = out != nullptr && out[0] != '*' && constant_time_equal(out, hash);
  std::fill(pw.begin(), pw.end(), '\0');
  return ok;
}

}  // namespace tern::sasl
