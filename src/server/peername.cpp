// The client's hostname; see peername.hpp. Postfix's outcomes: a temporary failure of
// either lookup leaves the name unknown for now (450 from reject_unknown_client_hostname),
// no PTR or a malformed one is permanent, and a PTR name whose addresses do not include
// the client's ("forged") leaves only the reverse name.
#include "server/peername.hpp"

#include "base/strings.hpp"
#include "dns/rdata.hpp"

namespace tern::server {

asio::awaitable<PeerName> find_peer_name(dns::Resolver& r, policy::DnsCache& cache, IpAddress addr) {
  PeerName out;
  addr = addr.unmapped();
  dns::Answer ptr = co_await cache.lookup(r, dns::reverse_name(addr), dns::Type::PTR);
  if (ptr.outcome == dns::Outcome::temporary) {
    out.name_status = out.reverse_status = policy::NameStatus::temporary;
    co_return out;
  }
  auto names = dns::names(ptr);
  if (!ptr.has_data() || !names || names->empty()) co_return out;
  std::string name = lower(names->front());
  if (!policy::valid_hostname(name) || IpAddress::parse(name)) co_return out;
  out.reverse_name = name;
  out.reverse_status = policy::NameStatus::ok;
  dns::Answer fwd = co_await cache.lookup(r, name, addr.v6 ? dns::Type::AAAA : dns::Type::A);
  if (fwd.outcome == dns::Outcome::temporary) {
    out.name_status = policy::NameStatus::temporary;
    co_return out;
  }
  auto addrs = dns::addresses(fwd);
  if (fwd.has_data() && addrs)
    for (const auto& a : *addrs)
      if (a.unmapped() == addr) {
        out.name = name;
        out.name_status = policy::NameStatus::ok;
        break;
      }
  co_return out;
}

}  // namespace tern::server
