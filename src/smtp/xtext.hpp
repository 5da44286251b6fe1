// xtext (RFC 3461 §4): how DSN parameters carry arbitrary characters ("+2B" for '+').
#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::smtp {

Result<std::string> decode_xtext(std::string_view s);
std::string encode_xtext(std::string_view s);

}  // namespace tern::smtp
