// DMARC evaluation of one message (RFC 9989 §5.7.2 steps 1-5): the Author Domain(s)
// from From, the policy record by discovery, SPF and DKIM identifier alignment (strict:
// the same name; relaxed: the same Organizational Domain), the result, and which of the
// record's policies applies: p for the Author Domain itself; for a subdomain np when the
// name does not exist (no A, AAAA or MX: NXDOMAIN or no data), else sp, else p. t=y asks
// for one step less: reject -> quarantine, quarantine -> none. pct= is not applied.
// A pass needs one aligned SPF or DKIM pass. Without one, a DNS failure that kept a
// record or an aligned identifier from being checked makes it temperror, not fail.
#pragma once
#include <asio/awaitable.hpp>

#include "dmarc/discovery.hpp"
#include "dmarc/inputs.hpp"
#include "dmarc/verdict.hpp"
#include "dns/resolver.hpp"

namespace tern::dmarc {

struct DiscoveryConfig {
  Method method = Method::rfc9989;
  const PublicSuffixList* psl = nullptr;  // required for Method::psl
};

// `in.content` must stay valid until the evaluation completes.
asio::awaitable<Evaluation> evaluate(dns::Resolver& resolver, DiscoveryConfig discovery, const Input& in);

}  // namespace tern::dmarc
