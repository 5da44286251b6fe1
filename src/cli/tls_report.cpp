// `tern tls-report [-c DIR] [--day YYYY-MM-DD] [--directory OUT]`: the daily TLS-RPT
// (RFC 8460) reports from what the smtp client counted in tlsrpt_database (with
// smtp_tlsrpt_enable = yes). For each policy domain with sessions that day (default:
// yesterday, UTC) it writes one JSON report into OUT (default: the current directory),
// named as §5.1 says, looks up the domain's _smtp._tls TXT record through Tern's resolver
// and prints where the report should go:
//
//   example.org: 12 successful, 1 failed session(s): ./mx.example.net!example.org!…json
//   example.org: send to mailto:tlsrpt@example.org
//
// Sending the reports (by mail or HTTPS POST) is not done: an admin or a cron job does it.
// Exit status: 0 done, 1 an error (unreadable store, unwritable report), 64 usage.
#include <getopt.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "base/file.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "dns/rdata.hpp"
#include "dns/unbound_resolver.hpp"
#include "tlsrpt/record.hpp"
#include "tlsrpt/report.hpp"
#include "tlsrpt/store.hpp"

namespace tern::cli {

namespace {

constexpr const char* kName = "tern tls-report";

int usage() {
  std::fprintf(stderr, "usage: tern tls-report [-c config_dir] [--day YYYY-MM-DD] [--directory DIR]\n");
  return 64;
}

// Where a domain's reports go, from its _smtp._tls record, or why nowhere.
Result<tlsrpt::Record> recipients(dns::Resolver& r, const std::string& domain) {
  std::string name = "_smtp._tls." + domain;
  dns::Answer a = r.lookup(name, dns::Type::TXT);
  if (a.outcome == dns::Outcome::temporary) return Error{name + " TXT: " + a.error};
  if (!a.has_data()) return Error{name + ": no TXT record"};
  auto txts = dns::txt_strings(a);
  if (!txts) return Error{name + ": " + txts.error().message};
  auto rec = tlsrpt::select_record(*txts);
  if (!rec) return Error{name + ": " + rec.error().message};
  return rec;
}

int report_domain(const tlsrpt::ReportInfo& info, const std::string& out_dir, dns::Resolver* dns,
                  const std::string& domain, const std::vector<tlsrpt::Event>& events) {
  nlohmann::json j = tlsrpt::build_report(info, domain, events);
  std::string path = out_dir + "/" + tlsrpt::report_file_name(info, domain);
  if (auto s = atomic_write_file(path, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", 0644);
      !s) {
    fatal_msg(kName, s.error().message);
    return 1;
  }
  size_t failed = 0;
  for (const auto& e : events) failed += e.failure.has_value();
  std::printf("%s: %zu successful, %zu failed session(s): %s\n", domain.c_str(), events.size() - failed, failed,
              path.c_str());
  if (!dns) return 0;
  auto rec = recipients(*dns, domain);
  if (!rec) {
    std::printf("%s: not sent: %s\n", domain.c_str(), rec.error().message.c_str());
    return 0;
  }
  for (const auto& uri : rec->rua) std::printf("%s: send to %s\n", domain.c_str(), uri.c_str());
  return 0;
}

}  // namespace

int tls_report_main(int argc, char** argv) {
  static const option kLong[] = {{"day", required_argument, nullptr, 'd'},
                                 {"directory", required_argument, nullptr, 'o'},
                                 {nullptr, 0, nullptr, 0}};
  std::string dir, day = tlsrpt::utc_day(std::time(nullptr) - 86400), out_dir = ".";
  int c;
  optind = 1;
  while ((c = ::getopt_long(argc, argv, "c:", kLong, nullptr)) != -1) {
    if (c == 'c') dir = optarg;
    else if (c == 'd') day = optarg;
    else if (c == 'o') out_dir = optarg;
    else return usage();
  }
  if (optind != argc) return usage();
  if (!tlsrpt::valid_day(day)) {
    fatal_msg(kName, "bad --day \"" + day + "\" (expected YYYY-MM-DD)");
    return 64;
  }
  auto cfg = load_config(kName, dir);
  if (!cfg) return 1;
  const config::Params& p = cfg->params;
  auto log = tlsrpt::read_day(p.tlsrpt_database, day);
  if (!log) {
    fatal_msg(kName, log.error().message);
    return 1;
  }
  if (log->malformed > 0)
    warning_msg(kName, std::to_string(log->malformed) + " malformed line(s) skipped, the first: " + log->first_problem);
  if (log->events.empty()) {
    info_msg(kName, "no TLS sessions counted on " + day + " in " + tlsrpt::day_file(p.tlsrpt_database, day));
    return 0;
  }
  std::shared_ptr<dns::Resolver> dns;
  if (auto made = dns::make_resolver(*cfg); made) dns = std::move(*made);
  else warning_msg(kName, "no report addresses: " + made.error().message);
  tlsrpt::ReportInfo info{p.tlsrpt_organization_name, p.tlsrpt_contact_info, day, p.myhostname};
  int status = 0;
  for (const auto& [domain, events] : tlsrpt::by_domain(log->events))
    status |= report_domain(info, out_dir, dns.get(), domain, events);
  return status;
}

}  // namespace tern::cli
