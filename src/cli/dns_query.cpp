// `tern dns [-c DIR] query [-a] NAME TYPE`: one lookup through Tern's own resolver with
// the configuration's dns_* settings, as the MX, SPF, DKIM, DMARC and DANE code would see
// it: the outcome (data, no data, NXDOMAIN, temporary failure), the DNSSEC status and the
// records in presentation form:
//
//   example.test/MX: data, secure, ttl 5
//   example.test. MX 10 mx.example.test.
//
// -a uses the asynchronous path (an event loop) instead of the blocking one. Exit status:
// 0 data, 1 no data or NXDOMAIN, 75 temporary failure (EX_TEMPFAIL), 64 usage.
#include <getopt.h>

#include <asio/io_context.hpp>
#include <cstdio>
#include <string>

#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "dns/present.hpp"
#include "dns/unbound_resolver.hpp"

namespace tern::cli {

namespace {

constexpr const char* kName = "tern dns";

int usage() {
  std::fprintf(stderr, "usage: tern dns [-c config_dir] query [-a] name type\n"
                       "       (type: A, AAAA, MX, TXT, PTR, TLSA, CNAME, NS)\n");
  return 64;
}

dns::Answer ask(const config::Config& cfg, const std::string& name, dns::Type type, bool async, bool& ok) {
  asio::io_context io;
  auto r = dns::make_resolver(cfg, async ? &io : nullptr);
  ok = r.ok();
  if (!r) {
    fatal_msg(kName, r.error().message);
    return {};
  }
  if (!async) return (*r)->lookup(name, type);
  dns::Answer got;
  (*r)->start(name, type, [&](dns::Answer a) { got = std::move(a); });
  io.run();
  return got;
}

int print(const std::string& name, dns::Type type, const dns::Answer& a) {
  std::string owner = a.canonical.empty() ? name : a.canonical;
  std::printf("%s/%s: %s, %s", name.c_str(), std::string(dns::type_name(type)).c_str(),
              std::string(dns::outcome_name(a.outcome)).c_str(), std::string(dns::security_name(a.security)).c_str());
  if (a.has_data()) std::printf(", ttl %u", a.ttl);
  if (!a.canonical.empty()) std::printf(", canonical name %s", a.canonical.c_str());
  if (!a.error.empty()) std::printf(": %s", a.error.c_str());
  std::printf("\n");
  int status = a.has_data() ? 0 : a.outcome == dns::Outcome::temporary ? 75 : 1;
  for (const auto& rd : a.rdata) {
    auto text = dns::present(type, rd);
    if (!text) {
      std::printf("%s. %s malformed record: %s\n", owner.c_str(), std::string(dns::type_name(type)).c_str(),
                  text.error().message.c_str());
      status = 75;
      continue;
    }
    std::printf("%s. %s %s\n", owner.c_str(), std::string(dns::type_name(type)).c_str(), text->c_str());
  }
  return status;
}

}  // namespace

int dns_main(int argc, char** argv) {
  std::string dir;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "+c:")) != -1)
    if (c == 'c') dir = optarg;
    else return usage();
  if (optind >= argc || std::string(argv[optind]) != "query") return usage();
  bool async = false;
  int rest = optind + 1;
  if (rest < argc && std::string(argv[rest]) == "-a") {
    async = true;
    ++rest;
  }
  if (argc - rest != 2) return usage();
  std::string name = argv[rest];
  auto type = dns::parse_type(argv[rest + 1]);
  if (!type) {
    fatal_msg(kName, std::string("unknown record type \"") + argv[rest + 1] + "\"");
    return 64;
  }
  auto cfg = load_config(kName, dir);
  if (!cfg) return 1;
  bool ok = false;
  dns::Answer a = ask(*cfg, name, *type, async, ok);
  if (!ok) return 1;
  return print(name, *type, a);
}

}  // namespace tern::cli
