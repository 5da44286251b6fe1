// Is this a user we have? smtpd's unlisted-recipient (and -sender) check, Postfix's
// check_rcpt_maps: an address that canonical or virtual alias maps know is accepted; then
// by class — local: local_recipient_maps, virtual alias: must have been aliased, virtual
// mailbox: virtual_mailbox_maps, relay: relay_recipient_maps; default: not ours to say.
// An empty table list accepts every user of its class.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/params.hpp"
#include "maps/lookup.hpp"
#include "route/resolve.hpp"

namespace tern::route {

enum class Listing { known, unknown_local, unknown_virtual_alias, unknown_virtual_mailbox, unknown_relay };

// "User unknown in local recipient table" and its siblings.
const char* unknown_user_text(Listing l);

class RecipientTables {
 public:
  static Result<RecipientTables> make(const config::Params& p, const maps::OpenContext& ctx);
  // An error is a table that cannot answer now (451).
  Result<Listing> check(const AddressResolver& resolver, std::string_view address) const;

 private:
  std::shared_ptr<const maps::MapList> canonical_, recipient_canonical_, virtual_alias_;
  std::shared_ptr<const maps::MapList> local_, virtual_mailbox_, relay_;
  std::string delimiters_;
};

}  // namespace tern::route
