// Verdict names; see verdict.hpp.
#include "spf/verdict.hpp"

#include "base/strings.hpp"

namespace tern::spf {

namespace {
constexpr Verdict kAll[] = {Verdict::none,     Verdict::neutral,   Verdict::pass,     Verdict::fail,
                            Verdict::softfail, Verdict::temperror, Verdict::permerror};
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::none: return "none";
    case Verdict::neutral: return "neutral";
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::softfail: return "softfail";
    case Verdict::temperror: return "temperror";
    case Verdict::permerror: return "permerror";
  }
  return "none";
}

std::optional<Verdict> parse_verdict(std::string_view name) {
  for (Verdict v : kAll)
    if (iequals(name, verdict_name(v))) return v;
  return std::nullopt;
}

}  // namespace tern::spf
