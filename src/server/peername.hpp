// The client's hostname, learnt once per connection as Postfix's smtpd does it: the PTR
// name of the client's address (the "reverse" name), then the addresses of that name,
// which must include the client's for the name to be "verified". Asynchronous, through
// the session's resolver and answer cache; never getnameinfo().
#pragma once
#include <asio/awaitable.hpp>

#include <string>

#include "base/net.hpp"
#include "dns/resolver.hpp"
#include "policy/dns_words.hpp"
#include "policy/restrictions.hpp"

namespace tern::server {

struct PeerName {
  std::string name = "unknown";          // verified: its addresses include the client's
  std::string reverse_name = "unknown";  // what the PTR record says, verified or not
  policy::NameStatus name_status = policy::NameStatus::permanent;
  policy::NameStatus reverse_status = policy::NameStatus::permanent;
};

asio::awaitable<PeerName> find_peer_name(dns::Resolver& r, policy::DnsCache& cache, IpAddress addr);

}  // namespace tern::server
