// receive_override_options; see receive_overrides.hpp.
#include "message/receive_overrides.hpp"

#include "base/strings.hpp"

namespace tern {

Result<ReceiveOverrides> ReceiveOverrides::parse(const std::vector<std::string>& words) {
  ReceiveOverrides o;
  for (const auto& w : words) {
    if (iequals(w, "no_unknown_recipient_checks")) o.no_unknown_recipient_checks = true;
    else if (iequals(w, "no_address_mappings")) o.no_address_mappings = true;
    else if (iequals(w, "no_header_body_checks")) o.no_header_body_checks = true;
    else if (iequals(w, "no_milters")) o.no_milters = true;
    else
      return Error{"receive_override_options: unknown option \"" + printable(w, 80) +
                   "\" (expected no_unknown_recipient_checks, no_address_mappings, no_header_body_checks or "
                   "no_milters)"};
  }
  return o;
}

void ReceiveOverrides::mark(Envelope& e) const {
  e.no_header_body_checks = no_header_body_checks;
  e.no_address_mappings = no_address_mappings;
  e.no_milters = no_milters;
}

}  // namespace tern
