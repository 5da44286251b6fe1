// What the `tern check` commands share: the "IP MAIL-FROM HELO" operands of check spf and
// check dmarc, and the DKIM verification options from the dkim_* parameters.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "base/net.hpp"
#include "config/config.hpp"
#include "config/params.hpp"
#include "dns/resolver.hpp"
#include "dkim/verify.hpp"

namespace tern::cli {

struct ClientOperands {
  IpAddress ip;
  std::string mail_from;  // "" for the null sender ("<>" or ""); angle brackets removed
  std::string helo;
};

// The three operands at argv[first]; nullopt after printing "NAME: fatal: bad IP address".
std::optional<ClientOperands> client_operands(const char* name, char** argv, int first);

dkim::VerifyOptions dkim_verify_options(const config::Params& p);

// Tern's resolver as the configuration sets it up; null after printing "NAME: fatal: why".
std::shared_ptr<dns::Resolver> check_resolver(const char* name, const config::Config& cfg);

}  // namespace tern::cli
