// Address classes and routes, Postfix's ADDRESS_CLASS_README and trivial-rewrite(8):
// which class a recipient's domain is in (local, virtual alias, virtual mailbox, relay,
// default), then the transport and nexthop — from the class, the sender-dependent maps,
// relayhost, and transport_maps over all of them.
//
// Precedence of the nexthop (postconf(5) relayhost): sender_dependent_default_transport_maps,
// default_transport, sender_dependent_relayhost_maps, relayhost, the recipient domain; a
// transport_maps answer overrides the class's transport and/or nexthop.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.hpp"
#include "base/result.hpp"
#include "config/params.hpp"
#include "maps/lookup.hpp"
#include "route/domains.hpp"
#include "route/trace.hpp"

namespace tern::route {

enum class AddressClass { local, virtual_alias, virtual_mailbox, relay, default_ };
const char* class_name(AddressClass c);

struct Route {
  AddressClass cls = AddressClass::default_;
  std::string transport;  // a master.cf service: "local", "smtp", "virtual", "error"
  std::string nexthop;    // "example.org", "[10.0.0.1]:587", an error text for error:
  std::string recipient;  // after address-syntax rewriting
};

// "transport:nexthop" split at the first colon; either part may be empty.
struct TransportSpec {
  std::string transport, nexthop;
  static TransportSpec parse(std::string_view s);
};

class AddressResolver {
 public:
  static Result<AddressResolver> make(const config::Params& p, const maps::OpenContext& ctx = {});

  Result<AddressClass> classify(std::string_view domain, Trace* t = nullptr) const;
  // reject_unauth_destination's question: do we accept mail for this domain from anyone?
  // (local, virtual alias, virtual mailbox and relay domains.)
  Result<bool> authorized_destination(std::string_view domain) const;
  // An error is a table that cannot answer now: the caller defers the recipient.
  Result<Route> resolve(std::string_view address, std::string_view sender = {}, Trace* t = nullptr) const;
  // Postfix's address-syntax rewriting before routing, for addresses in our domains:
  // "user%remote@local" → "user@remote" (allow_percent_hack) and "remote!user@local" →
  // "user@remote" (swap_bangpath), repeated while they apply.
  std::string rewrite(std::string_view address) const;
  // The domains whose bare "user" keys canonical and virtual lookups may try: $myorigin,
  // $mydestination, $inet_interfaces and $proxy_interfaces.
  bool is_local_domain(std::string_view domain) const;

 private:
  Result<std::optional<std::string>> transport_lookup(std::string_view address, Trace* t) const;
  Result<std::optional<std::string>> sender_lookup(const maps::MapList& maps, std::string_view sender,
                                                   std::string_view null_key) const;
  void warn_twice_listed(std::string_view domain, const char* other) const;

  DomainList local_, virtual_alias_, virtual_mailbox_, relay_;
  std::string myorigin_;
  std::vector<std::string> interfaces_;  // "[addr]" forms of inet_interfaces/proxy_interfaces
  TransportSpec local_transport_, virtual_transport_, relay_transport_, default_transport_;
  std::string relayhost_, delimiters_;
  std::string null_relay_key_, null_transport_key_;
  std::shared_ptr<const maps::MapList> transport_maps_, sender_relayhost_maps_, sender_transport_maps_;
  bool transport_parents_ = true;  // transport_maps: ".domain" entries match subdomains
  bool percent_hack_ = true, bangpath_ = true;
  // Warn once per domain that is in two classes (shared by copies: the set is behind a pointer).
  struct Warned {
    std::mutex mu;
    std::set<std::string> domains;
  };
  std::shared_ptr<Warned> warned_ = std::make_shared<Warned>();
};

// The local part of a local address, after recipient_delimiter handling, for alias
// lookups: "user+ext" then "user". Lower-cased.
std::vector<std::string> local_lookup_keys(std::string_view local, std::string_view delimiters);

}  // namespace tern::route
