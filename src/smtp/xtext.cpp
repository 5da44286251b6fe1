// xtext; see xtext.hpp.
#include "smtp/xtext.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::smtp {

Result<std::string> decode_xtext(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 33 || c > 126 || c == '=') return Error{"invalid xtext character"};
    if (c != '+') {
      out.push_back(char(c));
      continue;
    }
    if (i + 2 >= s.size()) return Error{"truncated xtext escape"};
    int hi = hex_digit(s[i + 1], true), lo = hex_digit(s[i + 2], true);  // RFC 3461: upper case
    if (hi < 0 || lo < 0) return Error{"bad xtext escape"};
    out.push_back(char(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string encode_xtext(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 33 || c > 126 || c == '+' || c == '=') out += fmt::format("+{:02X}", c);
    else out.push_back(char(c));
  }
  return out;
}

}  // namespace tern::smtp
