#include "dmarc/report_destinations.hpp"

#include <fmt/format.h>

#include "dmarc/author.hpp"
#include "dmarc/record.hpp"
#include "dns/await.hpp"
#include "dns/rdata.hpp"

namespace tern::dmarc {

namespace {

enum class Authorized { yes, no, unknown };

asio::awaitable<Authorized> authorized(dns::Resolver& r, const std::string& policy_domain, const std::string& dest) {
  dns::Answer a = co_await dns::async_lookup(r, fmt::format("{}._report._dmarc.{}", policy_domain, dest), dns::Type::TXT);
  if (a.outcome == dns::Outcome::temporary) co_return Authorized::unknown;
  if (!a.has_data()) co_return Authorized::no;
  auto txts = dns::txt_strings(a);
  if (!txts) co_return Authorized::no;
  for (const auto& t : *txts)
    if (is_dmarc_record(t)) co_return Authorized::yes;
  co_return Authorized::no;
}

}  // namespace

asio::awaitable<Destinations> verify_destinations(Discoverer& disc, dns::Resolver& resolver,
                                                  std::string policy_domain, std::vector<std::string> rua) {
  Destinations out;
  policy_domain = normalize_domain(policy_domain);
  OrgDomain own = co_await disc.organizational_domain(policy_domain);
  for (const std::string& uri : rua) {
    std::string address = uri.substr(uri.find(':') + 1);
    std::string dest = address_domain(address);
    if (dest.empty()) {
      out.refused.push_back(address + " (no usable domain)");
      continue;
    }
    OrgDomain theirs = co_await disc.organizational_domain(dest);
    if (!own.temperror && !theirs.temperror && own.domain == theirs.domain) {
      out.allowed.push_back(address);
      continue;
    }
    Authorized verdict = co_await authorized(resolver, policy_domain, dest);
    switch (verdict) {
      case Authorized::yes: out.allowed.push_back(address); break;
      case Authorized::no:
        // Without the Organizational Domains it is unknown whether the address needed consent.
        if (own.temperror || theirs.temperror)
          out.refused.push_back(fmt::format("{} (DNS failure finding the Organizational Domain of {})", address,
                                            own.temperror ? policy_domain : dest));
        else
          out.refused.push_back(fmt::format("{} (not authorized by {})", address, dest));
        break;
      case Authorized::unknown: out.refused.push_back(fmt::format("{} (DNS failure checking {})", address, dest)); break;
    }
  }
  co_return out;
}

}  // namespace tern::dmarc
