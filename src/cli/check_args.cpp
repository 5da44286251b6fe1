#include "cli/check_args.hpp"

#include "cli/tool_env.hpp"
#include "dns/unbound_resolver.hpp"

namespace tern::cli {

std::optional<ClientOperands> client_operands(const char* name, char** argv, int first) {
  auto ip = IpAddress::parse(argv[first]);
  if (!ip) {
    fatal_msg(name, std::string("bad IP address: ") + argv[first]);
    return std::nullopt;
  }
  std::string mail_from = argv[first + 1];
  if (mail_from == "<>") mail_from.clear();
  if (mail_from.size() > 2 && mail_from.front() == '<' && mail_from.back() == '>')
    mail_from = mail_from.substr(1, mail_from.size() - 2);
  return ClientOperands{*ip, std::move(mail_from), argv[first + 2]};
}

dkim::VerifyOptions dkim_verify_options(const config::Params& p) { return dkim::verify_options(p); }

std::shared_ptr<dns::Resolver> check_resolver(const char* name, const config::Config& cfg) {
  auto resolver = dns::make_resolver(cfg);
  if (!resolver) {
    fatal_msg(name, resolver.error().message);
    return nullptr;
  }
  return std::move(*resolver);
}

}  // namespace tern::cli
