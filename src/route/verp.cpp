// VERP; see verp.hpp.
#include "route/verp.hpp"

#include "smtp/address.hpp"

namespace tern::route {

std::string verp_sender(std::string_view sender, std::string_view recipient, std::string_view delims) {
  if (sender.empty() || delims.size() != 2) return std::string(sender);
  auto s = smtp::split_address(sender);
  auto r = smtp::split_address(recipient);
  std::string out(s.local);
  out += delims[0];
  out += r.local;
  if (!r.domain.empty()) {
    out += delims[1];
    out += r.domain;
  }
  if (!s.domain.empty()) {
    out += '@';
    out += s.domain;
  }
  return out;
}

Status check_verp_delimiters(std::string_view delims, std::string_view filter) {
  if (delims.size() != 2) return Error{"VERP delimiters must be exactly two characters"};
  for (char c : delims)
    if (filter.find(c) == std::string_view::npos)
      return Error{std::string("bad VERP delimiter character \"") + c + "\""};
  return ok_status();
}

}  // namespace tern::route
