// smtpd_reject_unlisted_recipient / _sender and the reject_unlisted_* words: an address
// in one of our domains that no table knows, refused with the code of its address class.
#pragma once
#include <optional>
#include <string_view>

#include "smtp/reply.hpp"

namespace tern::route {
class AddressResolver;
class RecipientTables;
}  // namespace tern::route
namespace tern::config {
struct Params;
}

namespace tern::policy {

// The rejection, or nothing when the address is known (or not in a domain of ours).
// `role` is "Recipient" or "Sender", as in Postfix's reply.
std::optional<smtp::Reply> unlisted_address(const route::RecipientTables& tables,
                                            const route::AddressResolver& resolver,
                                            const config::Params& p, std::string_view addr,
                                            const char* role);

}  // namespace tern::policy
