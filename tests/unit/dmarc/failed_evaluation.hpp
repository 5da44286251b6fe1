// A DMARC evaluation that failed under a p=reject record, for the tests of what follows
// an evaluation (disposition, Authentication-Results, report rows).
#pragma once
#include <string>

#include "dmarc/evaluate.hpp"

namespace tern::dmarc {

inline Evaluation failed_evaluation(const std::string& from_domain, const std::string& policy_domain) {
  Evaluation e;
  e.result = Outcome::fail;
  Verdict v;
  v.result = Outcome::fail;
  v.from_domain = from_domain;
  v.policy_domain = policy_domain;
  v.record = Record{};
  v.record->p = Policy::reject;
  v.policy = v.applied = Policy::reject;
  e.verdicts.push_back(v);
  return e;
}

}  // namespace tern::dmarc
