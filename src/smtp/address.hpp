// RFC 5321 mailbox syntax for envelope addresses: "local@domain", quoted local parts,
// the null path "", source routes ("@a,@b:user@dom", removed as RFC 5321 §4.1.2 allows),
// and the split into local part and domain at the last '@' (as Postfix does).
#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::smtp {

// Checks the text between the angle brackets and returns the address with any source
// route removed. The empty string is the null reverse-path.
Result<std::string> parse_mailbox_path(std::string_view path);

struct SplitAddress {
  std::string_view local;
  std::string_view domain;  // empty when there is no '@'
};
SplitAddress split_address(std::string_view addr);

// "postmaster" -> "postmaster@domain"; an address with a domain is returned as is.
std::string qualify_address(std::string_view addr, std::string_view domain);

// "user+ext" -> {"user", "ext"} for the first delimiter character found in `delims`.
struct Extension {
  std::string_view base;
  std::string_view ext;
  char delim = 0;
};
// With `owner_request_special` (Postfix's default) "owner-x" and "x-request" are not split
// on '-'.
Extension split_extension(std::string_view local, std::string_view delims,
                          bool owner_request_special = true);

}  // namespace tern::smtp
