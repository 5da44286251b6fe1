// `tern policy [-c DIR] query SPEC [name=value ...]`: sends one SMTPD access policy
// request to the policy server SPEC (what check_policy_service takes: inet:host:port,
// unix:/path, or "{ inet:host:port, timeout=10s, ... }"), through the same client ternd
// uses, with the configuration's smtpd_policy_service_* settings, and prints the action:
//
//   action=DEFER_IF_PERMIT Greylisted, see http://postgrey.schweikert.ch/help/...
//
// The request has Postfix's attributes for a RCPT from 127.0.0.1 (request=
// smtpd_access_policy, protocol_state=RCPT, protocol_name=ESMTP, ...); each name=value
// argument replaces one or adds it. Exit status: 0 when the server answered, 75
// (EX_TEMPFAIL) when it did not (the default action is printed, with a warning on stderr),
// 64 usage, 1 configuration error.
#include <getopt.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <cstdio>
#include <ctime>
#include <string>

#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "policy/policy_service.hpp"

namespace tern::cli {

namespace {

constexpr const char* kName = "tern policy";

int usage() {
  std::fprintf(stderr, "usage: tern policy [-c config_dir] query SPEC [name=value ...]\n"
                       "       (SPEC: inet:host:port, unix:/path or \"{ inet:host:port, timeout=10s, ... }\")\n");
  return 64;
}

// What Postfix sends for a RCPT TO from a local client, in Postfix's order.
policy::PolicyRequest default_request() {
  policy::PolicyRequest r;
  char instance[32];
  std::snprintf(instance, sizeof instance, "%lx.%lx.0", static_cast<long>(::getpid()),
                static_cast<long>(std::time(nullptr)));
  const std::pair<const char*, std::string> attrs[] = {
      {"request", "smtpd_access_policy"}, {"protocol_state", "RCPT"}, {"protocol_name", "ESMTP"},
      {"helo_name", "localhost"}, {"queue_id", ""}, {"sender", ""}, {"recipient", ""},
      {"recipient_count", "0"}, {"client_address", "127.0.0.1"}, {"client_name", "localhost"},
      {"reverse_client_name", "localhost"}, {"instance", instance}, {"sasl_method", ""},
      {"sasl_username", ""}, {"sasl_sender", ""}, {"size", "0"}, {"ccert_subject", ""},
      {"ccert_issuer", ""}, {"ccert_fingerprint", ""}, {"ccert_pubkey_fingerprint", ""},
      {"encryption_protocol", ""}, {"encryption_cipher", ""}, {"encryption_keysize", "0"},
      {"etrn_domain", ""}, {"stress", ""}, {"server_address", "127.0.0.1"}, {"server_port", "25"},
      {"client_port", "0"}, {"policy_context", ""}, {"compatibility_level", "3.6"}};
  for (const auto& [k, v] : attrs) r.attributes.emplace_back(k, v);
  return r;
}

}  // namespace

int policy_main(int argc, char** argv) {
  std::string dir;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "+c:")) != -1)
    if (c == 'c') dir = optarg;
    else return usage();
  if (argc - optind < 2 || std::string(argv[optind]) != "query") return usage();
  std::string spec = argv[optind + 1];
  policy::PolicyRequest request = default_request();
  for (int i = optind + 2; i < argc; ++i) {
    std::string arg = argv[i];
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || arg.find_first_of("\r\n") < eq) {
      fatal_msg(kName, "expected name=value, not \"" + arg + "\"");
      return 64;
    }
    request.set(arg.substr(0, eq), arg.substr(eq + 1));
  }
  auto cfg = load_config(kName, dir);
  if (!cfg) return 1;
  asio::io_context io;
  auto service = policy::policy_service_for(spec, cfg->params, io, "policy");
  if (!service) {
    fatal_msg(kName, service.error().message);
    return 1;
  }
  policy::PolicyService::Answer answer;
  asio::co_spawn(io, (*service)->query(request), [&](std::exception_ptr e, policy::PolicyService::Answer a) {
    if (e) std::rethrow_exception(e);
    answer = std::move(a);
    (*service)->close_idle();
  });
  io.run();
  if (!answer.answered)
    warning_msg(kName, "no answer from " + (*service)->settings().name + " (" + answer.problem +
                           "): the default action applies");
  std::printf("action=%s\n", answer.action.c_str());
  return answer.answered ? 0 : 75;
}

}  // namespace tern::cli
