// Spam traps (Tern's own; the restriction word check_spamtrap): a recipient found in
// spamtrap_maps is a trap. The client that mailed it is added to the spam trap blocklist
// (spamtrap_blocklist_database, maps/spamtrap_blocklist.hpp) for spamtrap_block_time, so
// that "check_client_access spamtrap:$spamtrap_blocklist_database" in any restriction
// list refuses it (spamtrap_blocklist_action) until the block expires, and the mail is
// answered as spamtrap_action says:
//   discard  "DISCARD spam trap": the client hears 250, and the whole message is dropped,
//            every recipient's copy with it, as an access(5) DISCARD does: mail sent to a
//            trap is spam for its other recipients too.
//   accept   "DUNNO": the message goes on through the remaining restrictions and is
//            delivered to every recipient, the trap included (route the trap to a mailbox
//            to keep samples); other recipients' copies are untouched.
// Either way the block takes effect from the client's next RCPT on (also later in the
// same transaction, where check_client_access sees it). Lookups use Postfix's address
// key order (user+ext@domain, user@domain, domain, user+ext@, user@); pattern tables see
// the whole address only. Place the word after permit_mynetworks and
// permit_sasl_authenticated: it blocks whatever client it is asked about.
#pragma once
#include <memory>
#include <string>

#include "base/result.hpp"
#include "config/config.hpp"
#include "maps/lookup.hpp"
#include "maps/spamtrap_blocklist.hpp"
#include "policy/delegate.hpp"

namespace tern::policy {

class Spamtrap : public Delegate {
 public:
  struct Settings {
    std::shared_ptr<const maps::MapList> traps;  // spamtrap_maps
    std::shared_ptr<maps::Blocklist> blocklist;  // spamtrap_blocklist_database
    bool discard = true;                         // spamtrap_action
    int64_t block_time = 86400;                  // spamtrap_block_time; 0 = no blocking
    std::string block_action;                    // spamtrap_blocklist_action
    std::string recipient_delimiter;
    std::string syslog_name;
  };
  explicit Spamtrap(Settings s) : s_(std::move(s)) {}

  asio::awaitable<Result<std::string>> ask(const PolicyRequest& request) override;
  // The answer at time `now` (seconds since the epoch), with its effects: the block and
  // the log line. What ask() does, without the event loop.
  Result<std::string> decide(const PolicyRequest& request, int64_t now);

 private:
  Settings s_;
};

// From spamtrap_maps, spamtrap_action, spamtrap_blocklist_database, spamtrap_block_time
// and spamtrap_blocklist_action; an empty spamtrap_maps or a bad action is an error.
Result<std::shared_ptr<Delegate>> make_spamtrap(const config::Params& p);

}  // namespace tern::policy
