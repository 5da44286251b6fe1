// Drains OpenSSL's error queue into text for Result<> errors and log lines.
#include "tls/ssl_error.hpp"

#include <openssl/err.h>

namespace tern::tls {

std::string ssl_errors(const char* fallback) {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? fallback : out;
}

}  // namespace tern::tls
