// What a DMARC evaluation concludes (evaluate.hpp computes it): the result, and per
// Author Domain the policy found, alignment and the policy to apply. Plain values, so the
// parts that only print or store them (Authentication-Results, reports) need no DNS.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dmarc/record.hpp"

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

}  // namespace tern::dmarc
