// OpenSSL's thread-local error queue turned into one readable string, so a failed call can
// become an Error message that says why ("key values mismatch", "no such file").
#pragma once
#include <string>

namespace tern::tls {

// Drains the error queue: reason strings joined with "; ", or `fallback` when empty.
std::string ssl_errors(const char* fallback = "unknown OpenSSL error");

}  // namespace tern::tls
