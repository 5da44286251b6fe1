#include "cli/sts_check.hpp"

#include <fmt/format.h>

namespace tern::cli {

std::string sts_check_report(const delivery::smtp::StsLookup& found, const std::vector<std::string>& mx_hosts,
                             bool enabled) {
  std::string out;
  if (!found.policy) {
    out += fmt::format("MTA-STS: no policy ({})\n", found.note.empty() ? "none published" : found.note);
    return out;
  }
  const sts::Policy& p = *found.policy;
  out += fmt::format("MTA-STS: policy id {}: mode {}, max_age {}\n", found.id, sts::mode_name(p.mode), p.max_age.count());
  for (const auto& m : p.mx) out += fmt::format("  mx: {}\n", m);
  for (const auto& h : mx_hosts)
    out += fmt::format("  MX host {}: {}\n", h, sts::mx_allowed(p, h) ? "allowed" : "not allowed by the policy");
  if (!enabled)
    out += "  not applied: mta_sts_enable = no\n";
  else if (p.mode == sts::Mode::enforce)
    out += "  applied: only the hosts the policy allows, over TLS 1.2 or later verified for the MX host name "
           "(unless DANE verifies the host)\n";
  else
    out += "  testing mode: logged, not enforced\n";
  return out;
}

}  // namespace tern::cli
