// What the configuration says about SPF checks, read once per configuration load:
// the receiver name for %{r} and Received-SPF ($myhostname), the void-lookup limit
// (spf_void_lookup_limit) and the default explanation (spf_explanation, a macro-string;
// one that does not parse is a configuration error naming the parameter).
#pragma once
#include <optional>
#include <string>

#include "base/result.hpp"
#include "config/params.hpp"
#include "spf/check.hpp"
#include "spf/macro.hpp"

namespace tern::spf {

struct Settings {
  std::string receiver;
  Limits limits;
  std::optional<MacroString> default_explanation;

  // Fills the configured parts of a query made by mail_from_query()/helo_query().
  void apply(Query& q) const;
};

Result<Settings> settings(const config::Params& p);

}  // namespace tern::spf
