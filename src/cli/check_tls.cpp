// `tern check tls DOMAIN [-c config_dir] [-p port]`:
// the domain's MX hosts, their addresses and TLSA records with DNSSEC status, and the TLS
// level and verification Tern would apply to each (tls_check.hpp), then the MTA-STS policy
// (sts_check.hpp). Lookups go through
// Tern's own resolver (dns_forward_servers, dns_trust_anchor_file), never the system's.
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "cli/commands.hpp"
#include "cli/sts_check.hpp"
#include "cli/tls_check.hpp"
#include "cli/tool_env.hpp"
#include "delivery/smtp/family.hpp"
#include "delivery/smtp/tls_client.hpp"
#include "dns/rdata.hpp"
#include "dns/unbound_resolver.hpp"

namespace tern::cli {

namespace {

constexpr const char* kName = "tern check tls";

int usage() {
  std::fprintf(stderr, "usage: tern check tls [-c config_dir] [-p port] DOMAIN\n");
  return 64;
}

// The level the smtp client would start from for DOMAIN: smtp_tls_policy_maps, else the default.
Result<std::pair<delivery::smtp::TlsLevel, std::string>> configured_level(const config::Config& cfg,
                                                                          const delivery::smtp::TlsClient& tls,
                                                                          const std::string& domain) {
  using namespace delivery::smtp;
  auto n = parse_nexthop(domain, "smtp", false);
  if (!n) return n.error();
  auto tables = open_policy_maps(tls.params(), cfg.directory);
  if (!tables) return tables.error();
  auto pol = find_policy(*tables, domain, *n, tls.default_policy());
  if (!pol) return pol.error();
  return std::pair{pol->level, std::string(pol->from_table ? "smtp_tls_policy_maps" : "smtp_tls_security_level")};
}

}  // namespace

int check_tls_main(int argc, char** argv) {
  std::string dir;
  int port = 25;
  optind = 1;
  for (int c; (c = ::getopt(argc, argv, "c:p:")) != -1;) {
    if (c == 'c') dir = optarg;
    else if (c == 'p' && (port = std::atoi(optarg)) > 0 && port < 65536) continue;
    else return usage();
  }
  if (optind + 1 != argc) return usage();
  auto cfg = load_config(kName, dir);
  if (!cfg) return 1;
  const auto& p = cfg->params;
  auto tls = delivery::smtp::TlsClient::make(p, delivery::smtp::tls_params(p, false));
  auto insecure_mx = delivery::smtp::parse_insecure_mx_policy(p.smtp_tls_dane_insecure_mx_policy);
  auto resolver = dns::make_resolver(*cfg);
  for (const Error* e : {tls ? nullptr : &tls.error(), insecure_mx ? nullptr : &insecure_mx.error(),
                         resolver ? nullptr : &resolver.error()})
    if (e) {
      fatal_msg(kName, e->message);
      return 1;
    }
  TlsCheck check{argv[optind], port};
  auto level = configured_level(*cfg, **tls, check.domain);
  if (!level) {
    fatal_msg(kName, level.error().message);
    return 1;
  }
  std::tie(check.level, check.level_source) = *level;
  check.insecure_mx = *insecure_mx;
  check.digests = (*tls)->dane_digests();
  int status = 1;
  std::fputs(tls_check_report(**resolver, check, &status).c_str(), stdout);

  // MTA-STS, fetched afresh (no cache), for the MX hosts the DNS names now.
  auto sts_s = delivery::smtp::sts_settings(p);
  sts_s.cache_directory.clear();
  auto sts = delivery::smtp::StsPolicies::make(sts_s, *resolver);
  if (!sts) {
    fatal_msg(kName, sts.error().message);
    return 1;
  }
  std::vector<std::string> hosts;
  dns::Answer mx = (*resolver)->lookup(check.domain, dns::Type::MX);
  if (auto records = dns::mx_records(mx); records && mx.has_data())
    for (const auto& r : *records) hosts.push_back(r.host);
  if (hosts.empty() && mx.outcome == dns::Outcome::nodata) hosts.push_back(check.domain);
  std::fputs(sts_check_report((*sts)->find(check.domain, std::time(nullptr)), hosts, p.mta_sts_enable).c_str(), stdout);
  return status;
}

}  // namespace tern::cli
