// SPF settings from the parameters; see settings.hpp.
#include "spf/settings.hpp"

#include <fmt/format.h>

namespace tern::spf {

Result<Settings> settings(const config::Params& p) {
  Settings s;
  s.receiver = p.myhostname;
  s.limits.void_lookups = static_cast<int>(p.spf_void_lookup_limit);
  if (!p.spf_explanation.empty()) {
    auto m = parse_macro_string(p.spf_explanation, MacroUse::explanation);
    if (!m) return Error{fmt::format("spf_explanation: {}", m.error().message)};
    s.default_explanation = std::move(*m);
  }
  return s;
}

void Settings::apply(Query& q) const {
  q.receiver = receiver;
  q.limits = limits;
  q.default_explanation = default_explanation;
}

}  // namespace tern::spf
