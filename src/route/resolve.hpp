// Address classes and routes, Postfix's ADDRESS_CLASS_README in small: which domains
// are ours (mydestination → local, virtual_mailbox_domains → virtual), which we relay for
// (relay_domains), and for the
// local class, who the recipient really is (aliases, then a local user).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "maps/lookup.hpp"
#include "maps/passwd.hpp"

namespace tern::route {

enum class AddressClass { local, virtual_, relay, default_ };

struct Route {
  AddressClass cls = AddressClass::default_;
  std::string transport;  // "local", "smtp", …
  std::string nexthop;
  std::string recipient;
};

// A list of domain names (mydestination, relay_domains). Table forms (type:name, /file)
// are not supported yet and are a configuration error.
class DomainList {
 public:
  static Result<DomainList> make(const std::vector<std::string>& entries, std::string_view param,
                                 bool match_subdomains);
  bool matches(std::string_view domain) const;

 private:
  std::vector<std::string> names_;
  bool subdomains_ = false;
};

class AddressResolver {
 public:
  static Result<AddressResolver> make(const config::Params& p);
  AddressClass classify(std::string_view domain) const;
  // reject_unauth_destination's question: do we accept mail for this domain from anyone?
  bool authorized_destination(std::string_view domain) const;
  Route resolve(std::string_view address) const;
  // Postfix's address-syntax rewriting before routing, for addresses in our domains:
  // "user%remote@local" → "user@remote" (allow_percent_hack) and "remote!user@local" →
  // "user@remote" (swap_bangpath), repeated while they apply.
  std::string rewrite(std::string_view address) const;

 private:
  DomainList local_, virtual_, relay_;
  std::string default_transport_, relay_transport_, local_transport_, virtual_transport_, relayhost_;
  bool percent_hack_ = true, bangpath_ = true;
};

// The local part of a local address, after recipient_delimiter handling, for lookups:
// "user+ext" then "user". Lower-cased.
std::vector<std::string> local_lookup_keys(std::string_view local, std::string_view delimiters);

// local_recipient_maps: is this local recipient known? Empty maps accept everyone.
class LocalRecipients {
 public:
  static Result<LocalRecipients> make(const config::Params& p, const maps::OpenContext& ctx);
  // nullopt: table error (defer); true/false: known or not.
  std::optional<bool> known(std::string_view address) const;

 private:
  std::shared_ptr<maps::MapList> maps_;
  std::string delimiters_;
};

}  // namespace tern::route
