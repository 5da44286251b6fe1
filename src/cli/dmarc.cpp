// `tern dmarc report [-c DIR] [-d YYYY-MM-DD] [-o OUTDIR]`: RFC 9990 aggregate reports
// from the per-message results in dmarc_report_database, one XML file per policy domain
// for one UTC day (default: yesterday), written to OUTDIR (default: the current
// directory). Each report's rua= destinations are checked through Tern's resolver
// (RFC 9990: one outside the policy domain's Organizational Domain only with its
// <policy-domain>._report._dmarc.<destination> TXT "v=DMARC1") and listed as used or
// dropped with the reason. Mailing the reports is not done yet: the command says so.
#include <getopt.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "dmarc/aggregate.hpp"
#include "dmarc/disposition.hpp"
#include "dmarc/report_destinations.hpp"
#include "dmarc/report_store.hpp"
#include "dns/blocking.hpp"
#include "dns/unbound_resolver.hpp"

namespace tern::cli {

namespace {

constexpr const char* kName = "tern dmarc";

int usage() {
  std::fprintf(stderr, "usage: tern dmarc report [-c config_dir] [-d YYYY-MM-DD] [-o output_dir]\n");
  return 64;
}

// Midnight UTC of "YYYY-MM-DD"; -1 when the text is not such a date.
int64_t day_start(const std::string& day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') return -1;
  auto y = parse_int(day.substr(0, 4)), m = parse_int(day.substr(5, 2)), d = parse_int(day.substr(8, 2));
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) return -1;
  std::tm tm{};
  tm.tm_year = static_cast<int>(*y) - 1900;
  tm.tm_mon = static_cast<int>(*m) - 1;
  tm.tm_mday = static_cast<int>(*d);
  int64_t t = ::timegm(&tm);
  return dmarc::day_of(t) == day ? t : -1;  // rejects 2026-02-31
}

// Which of the report's rua= destinations may have it, through `resolver`.
dmarc::Destinations destinations(dns::Resolver& resolver, const dmarc::Settings& s, const dmarc::AggregateReport& r) {
  std::unique_ptr<dmarc::Discoverer> disc;
  return dns::run_blocking(resolver, [&](dns::Resolver& res) {
    disc = std::make_unique<dmarc::Discoverer>(res, s.method, s.psl.get());
    return dmarc::verify_destinations(*disc, res, r.policy_domain, r.rua);
  });
}

// Which of the report's rua= destinations are used, which are dropped and why; with no
// resolver, that they were not checked.
void list_destinations(dns::Resolver* resolver, const dmarc::Settings& s, const dmarc::AggregateReport& r) {
  if (r.rua.empty()) std::printf("  no rua= destinations\n");
  if (!resolver) {
    for (const auto& uri : r.rua) std::printf("  rua %s: not checked\n", uri.c_str());
    return;
  }
  auto dest = destinations(*resolver, s, r);
  for (const auto& a : dest.allowed) std::printf("  rua used: %s\n", a.c_str());
  for (const auto& a : dest.refused) std::printf("  rua dropped: %s\n", a.c_str());
}

int report(const std::string& dir, std::string day, const std::string& out_dir) {
  auto cfg = load_config(kName, dir);
  if (!cfg) return 1;
  const auto& p = cfg->params;
  if (day.empty()) day = dmarc::day_of(std::time(nullptr) - 86400);
  int64_t begin = day_start(day);
  if (begin < 0) {
    fatal_msg(kName, "bad day \"" + day + "\": expected YYYY-MM-DD");
    return 1;
  }
  auto rows = dmarc::read_day(p.dmarc_report_database, day);
  if (!rows) {
    fatal_msg(kName, rows.error().message);
    return 1;
  }
  dmarc::ReportMeta meta{p.dmarc_report_org_name, p.dmarc_report_email, p.mydomain, begin, begin + 86399};
  auto reports = dmarc::build_reports(*rows, meta);
  if (reports.empty()) {
    info_msg(kName, "no DMARC results stored for " + day);
    return 0;
  }
  auto settings = dmarc::settings_from(p);
  if (!settings) {
    fatal_msg(kName, settings.error().message);
    return 1;
  }
  auto resolver = dns::make_resolver(*cfg);
  if (!resolver) warning_msg(kName, "rua= destinations not checked: " + resolver.error().message);
  for (const auto& r : reports) {
    std::string path = out_dir + "/" + r.filename;
    if (auto st = atomic_write_file(path, r.xml, 0644); !st) {
      fatal_msg(kName, st.error().message);
      return 1;
    }
    std::printf("%s: %s\n", r.policy_domain.c_str(), path.c_str());
    list_destinations(resolver ? resolver->get() : nullptr, *settings, r);
  }
  warning_msg(kName, "reports are written, not mailed: sending them is not implemented yet");
  return 0;
}

}  // namespace

int dmarc_main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != "report") return usage();
  std::string dir, day, out_dir = ".";
  int c;
  optind = 2;
  while ((c = ::getopt(argc, argv, "c:d:o:")) != -1) {
    if (c == 'c') dir = optarg;
    else if (c == 'd') day = optarg;
    else if (c == 'o') out_dir = optarg;
    else return usage();
  }
  if (optind != argc) return usage();
  return report(dir, day, out_dir);
}

}  // namespace tern::cli
