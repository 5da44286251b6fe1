// RFC 9990 aggregate reports from stored result rows: one XML document per policy
// domain (the domain whose record was applied) for a reporting period, rows with the
// same source IP, identifiers, results and disposition counted together. The file name
// is RFC 9990's "receiver!policy-domain!begin!end!id.xml".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "dmarc/report_store.hpp"

namespace tern::dmarc {

struct ReportMeta {
  std::string org_name;   // dmarc_report_org_name
  std::string email;      // dmarc_report_email
  std::string receiver;   // our domain, for the file name ($mydomain)
  int64_t begin = 0, end = 0;  // the period, seconds since the epoch
};

struct AggregateReport {
  std::string policy_domain;
  std::vector<std::string> rua;  // the destinations the record asked for (verify_destinations() checks them)
  std::string filename;
  std::string xml;
};

std::vector<AggregateReport> build_reports(const std::vector<ResultRow>& rows, const ReportMeta& meta);

// Text escaped for XML character data.
std::string xml_escape(std::string_view s);

}  // namespace tern::dmarc
