// The daily RFC 8460 report (§4.4) of one policy domain, built from that day's Events:
//   { "organization-name", "date-range": {start-datetime, end-datetime}, "contact-info",
//     "report-id", "policies": [ { "policy": {policy-type, policy-string, policy-domain,
//     mx-host}, "summary": {total-successful-session-count, total-failure-session-count},
//     "failure-details": [ {result-type, sending-mta-ip, receiving-mx-hostname,
//     receiving-ip, failed-session-count, additional-information} ] } ] }
// One "policies" entry per distinct policy seen that day, failures grouped by result type
// and peer. Pure: no I/O.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tlsrpt/event.hpp"

namespace tern::tlsrpt {

struct ReportInfo {
  std::string organization;  // tlsrpt_organization_name
  std::string contact;       // tlsrpt_contact_info
  std::string day;           // "YYYY-MM-DD"
  std::string reporter;      // our host name, for the report-id
};

// The day's events per policy domain (lower case), domains in order.
std::map<std::string, std::vector<Event>> by_domain(const std::vector<Event>& events);

// The report of `domain` from its events (all of that domain and day).
nlohmann::json build_report(const ReportInfo& info, const std::string& domain, const std::vector<Event>& events);

// Its file name: RFC 8460 §5.1's "receiver!policy-domain!begin!end!unique-id.json" form.
std::string report_file_name(const ReportInfo& info, const std::string& domain);

}  // namespace tern::tlsrpt
