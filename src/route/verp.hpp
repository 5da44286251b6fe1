// VERP (variable envelope return paths): each recipient gets its own sender address, so
// a bounce names the recipient it is about. "list-bounces@example.org" for
// "user@domain" with delimiters "+=" becomes "list-bounces+user=domain@example.org".
#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::route {

std::string verp_sender(std::string_view sender, std::string_view recipient, std::string_view delims);

// Checks XVERP=xy / sendmail -XVxy delimiters: exactly two characters from `filter`.
Status check_verp_delimiters(std::string_view delims, std::string_view filter);

}  // namespace tern::route
