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
#include <optional>
#include <string>
#include <vector>

#include "dmarc/discovery.hpp"
#include "dmarc/inputs.hpp"
#include "dmarc/record.hpp"
#include "dns/resolver.hpp"

namespace tern::dmarc {

enum class Outcome { none, pass, fail, temperror, permerror };
std::string_view outcome_name(Outcome o);

// The verdict for one Author Domain.
struct Verdict {
  Outcome result = Outcome::none;
  std::string from_domain;
  std::string policy_domain;     // where the record was found
  std::optional<Record> record;
  Policy policy = Policy::none;   // the record's policy for this name (p, sp or np)
  Policy applied = Policy::none;  // what to do on fail, after t=y
  bool spf_aligned = false;       // SPF passed for an aligned domain
  bool dkim_aligned = false;      // a DKIM signature passed with an aligned d=
  std::string dkim_domain;        // that signature's d=
  std::string reason;             // none/temperror/permerror: why
};

struct Evaluation {
  bool exempt = false;             // not evaluated (Input::exempt)
  Outcome result = Outcome::none;  // the decisive verdict's result
  std::vector<Verdict> verdicts;   // one per Author Domain (none: see reason)
  std::string reason;              // permerror without a From domain

  // The strictest verdict (a fail with the strongest policy first); null when none.
  const Verdict* decisive() const;
};

struct DiscoveryConfig {
  Method method = Method::rfc9989;
  const PublicSuffixList* psl = nullptr;  // required for Method::psl
};

// `in.content` must stay valid until the evaluation completes.
asio::awaitable<Evaluation> evaluate(dns::Resolver& resolver, DiscoveryConfig discovery, const Input& in);

}  // namespace tern::dmarc
