// Unlisted addresses; see unlisted.hpp.
#include "policy/unlisted.hpp"

#include <string>

#include "config/params.hpp"
#include "route/recipients.hpp"
#include "route/resolve.hpp"

namespace tern::policy {

std::optional<smtp::Reply> unlisted_address(const route::RecipientTables& tables,
                                            const route::AddressResolver& resolver,
                                            const config::Params& p, std::string_view addr,
                                            const char* role) {
  std::string a(addr);
  auto listing = tables.check(resolver, a);
  if (!listing)
    return smtp::Reply{451, smtp::Status::system_error,
                       "<" + a + ">: " + role + " address rejected: Temporary lookup failure"};
  int code = 550;
  switch (*listing) {
    case route::Listing::known: return std::nullopt;
    case route::Listing::unknown_local: code = int(p.unknown_local_recipient_reject_code); break;
    case route::Listing::unknown_virtual_alias: code = int(p.unknown_virtual_alias_reject_code); break;
    case route::Listing::unknown_virtual_mailbox: code = int(p.unknown_virtual_mailbox_reject_code); break;
    case route::Listing::unknown_relay: code = int(p.unknown_relay_recipient_reject_code); break;
  }
  // Postfix: 5.1.1 for an unknown recipient, 5.1.0 for an unknown sender.
  bool sender = std::string_view(role) == "Sender";
  return smtp::Reply{code, sender ? smtp::Status::other_address : smtp::Status::bad_destination,
                     "<" + a + ">: " + role + " address rejected: " + route::unknown_user_text(*listing)};
}

}  // namespace tern::policy
