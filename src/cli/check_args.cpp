#include "cli/check_args.hpp"

#include "cli/tool_env.hpp"

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

dkim::VerifyOptions dkim_verify_options(const config::Params& p) {
  dkim::VerifyOptions opt;
  opt.allow_rsa_sha1 = p.dkim_allow_rsa_sha1;
  opt.min_key_bits = int(p.dkim_min_key_bits);
  opt.clock_skew = int64_t(p.dkim_clock_skew.count());
  opt.signature_limit = size_t(p.dkim_verify_signature_limit);
  return opt;
}

}  // namespace tern::cli
