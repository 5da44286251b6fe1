// Which rua= destinations may receive a domain's aggregate reports (RFC 9990 §4,
// "Verifying External Destinations"): a mailto: address in the policy domain's own
// Organizational Domain always may; any other only when the destination publishes
// <policy-domain>._report._dmarc.<destination-domain> TXT "v=DMARC1". A DNS failure
// (the consent record's, or finding either Organizational Domain when no consent is
// published) leaves the destination out this time, with that reason.
#pragma once
#include <asio/awaitable.hpp>
#include <string>
#include <vector>

#include "dmarc/discovery.hpp"
#include "dns/resolver.hpp"

namespace tern::dmarc {

struct Destinations {
  std::vector<std::string> allowed;  // addresses ("agg@example.org"), mailto: removed
  std::vector<std::string> refused;  // with the reason: "x@y.test (not authorized by y.test)"
};

asio::awaitable<Destinations> verify_destinations(Discoverer& disc, dns::Resolver& resolver,
                                                  std::string policy_domain, std::vector<std::string> rua);

}  // namespace tern::dmarc
