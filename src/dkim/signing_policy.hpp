// Who we sign for and with which keys, as OpenDKIM's SigningTable and KeyTable say it,
// in ordinary Tern lookup tables:
//
//   dkim_signing_table  sender → key names (comma/space separated: several = dual signing)
//                       Keys tried: the whole address (pattern tables see only this, so a
//                       regexp:/pcre: table gives OpenDKIM's refile: wildcards), then the
//                       domain, then each parent domain as ".parent.example".
//   dkim_key_table      key name → domain:selector:/path/to/key ("%" as the domain stands
//                       for the sender's domain, as in OpenDKIM).
//
// The sender is the From header's address (OpenDKIM's choice, and what DMARC aligns
// with); the caller extracts it. Key files are read once and kept (mode 0600, readable by
// the queue role's user); a reload makes a new policy and so reads them again.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "dkim/sign.hpp"
#include "maps/lookup.hpp"

namespace tern::dkim {

class SigningPolicy {
 public:
  static Result<std::shared_ptr<SigningPolicy>> make(const config::Params& p, const maps::OpenContext& ctx);

  bool enabled() const { return !signing_.empty(); }
  const SignOptions& options() const { return options_; }

  // The keys for mail from `address` (user@domain); none when the table has no entry.
  // An error: a table cannot answer, a key name is not in the key table, a key file is
  // unreadable — the caller defers rather than send unsigned mail.
  Result<std::vector<SigningKey>> keys_for(std::string_view address) const;

 private:
  Result<SigningKey> key_named(const std::string& name, std::string_view sender_domain) const;

  maps::MapList signing_, keys_;
  SignOptions options_;
  mutable std::mutex mu_;
  mutable std::map<std::string, PKey> loaded_;  // by path
};

}  // namespace tern::dkim
