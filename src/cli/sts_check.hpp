// The MTA-STS part of `tern check tls DOMAIN`: the policy in force (fetched afresh, the
// smtp client's cache left alone), its MX patterns, whether each MX host of the domain is
// allowed, and what the smtp client would do with it under mta_sts_enable.
#pragma once
#include <string>
#include <vector>

#include "delivery/smtp/sts.hpp"

namespace tern::cli {

std::string sts_check_report(const delivery::smtp::StsLookup& found, const std::vector<std::string>& mx_hosts,
                             bool enabled);

}  // namespace tern::cli
