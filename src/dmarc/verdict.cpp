#include "dmarc/verdict.hpp"

namespace tern::dmarc {

namespace {

int severity(const Verdict& v) {
  switch (v.result) {
    case Outcome::fail: return 10 + static_cast<int>(v.applied);
    case Outcome::temperror: return 4;
    case Outcome::permerror: return 3;
    case Outcome::none: return 2;
    case Outcome::pass: return 1;
  }
  return 0;
}

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::none: return "none";
    case Outcome::pass: return "pass";
    case Outcome::fail: return "fail";
    case Outcome::temperror: return "temperror";
    case Outcome::permerror: return "permerror";
  }
  return "none";
}

const Verdict* Evaluation::decisive() const {
  const Verdict* best = nullptr;
  for (const Verdict& v : verdicts)
    if (!best || severity(v) > severity(*best)) best = &v;
  return best;
}

}  // namespace tern::dmarc
