// Building the RFC 8460 JSON report; see report.hpp.
#include "tlsrpt/report.hpp"

#include <tuple>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::tlsrpt {

namespace {

using json = nlohmann::json;

struct FailureKey {
  ResultType type;
  std::string sending_ip, receiving_mx, receiving_ip, detail;
  auto tie() const { return std::tie(type, sending_ip, receiving_mx, receiving_ip, detail); }
  bool operator<(const FailureKey& o) const { return tie() < o.tie(); }
};

struct PolicyCounts {
  Policy policy;
  long long successes = 0;
  std::map<FailureKey, long long> failures;
};

json failure_detail(const FailureKey& k, long long count) {
  json j = {{"result-type", result_name(k.type)}, {"failed-session-count", count}};
  if (!k.sending_ip.empty()) j["sending-mta-ip"] = k.sending_ip;
  if (!k.receiving_mx.empty()) j["receiving-mx-hostname"] = k.receiving_mx;
  if (!k.receiving_ip.empty()) j["receiving-ip"] = k.receiving_ip;
  if (!k.detail.empty()) j["additional-information"] = k.detail;
  return j;
}

json policy_entry(const std::string& domain, const PolicyCounts& c) {
  long long failed = 0;
  json details = json::array();
  for (const auto& [k, n] : c.failures) {
    failed += n;
    details.push_back(failure_detail(k, n));
  }
  json policy = {{"policy-type", policy_type_name(c.policy.type)}, {"policy-domain", domain}};
  if (!c.policy.strings.empty()) policy["policy-string"] = c.policy.strings;
  if (!c.policy.mx_host.empty()) policy["mx-host"] = c.policy.mx_host;
  json out = {{"policy", policy},
              {"summary", {{"total-successful-session-count", c.successes}, {"total-failure-session-count", failed}}}};
  if (!details.empty()) out["failure-details"] = details;
  return out;
}

}  // namespace

std::map<std::string, std::vector<Event>> by_domain(const std::vector<Event>& events) {
  std::map<std::string, std::vector<Event>> out;
  for (const auto& e : events) out[lower(e.domain)].push_back(e);
  return out;
}

json build_report(const ReportInfo& info, const std::string& domain, const std::vector<Event>& events) {
  std::vector<PolicyCounts> counts;  // in order of first appearance
  for (const auto& e : events) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](const PolicyCounts& c) { return c.policy == e.policy; });
    if (it == counts.end()) it = counts.insert(counts.end(), PolicyCounts{e.policy});
    if (!e.failure) {
      ++it->successes;
      continue;
    }
    ++it->failures[FailureKey{*e.failure, e.sending_ip, e.receiving_mx, e.receiving_ip, e.detail}];
  }
  json policies = json::array();
  for (const auto& c : counts) policies.push_back(policy_entry(domain, c));
  return {{"organization-name", info.organization},
          {"date-range", {{"start-datetime", info.day + "T00:00:00Z"}, {"end-datetime", info.day + "T23:59:59Z"}}},
          {"contact-info", info.contact},
          {"report-id", fmt::format("{}T00:00:00Z_{}@{}", info.day, domain, info.reporter)},
          {"policies", policies}};
}

std::string report_file_name(const ReportInfo& info, const std::string& domain) {
  return fmt::format("{}!{}!{}T00:00:00Z!{}T23:59:59Z.json", info.reporter, domain, info.day, info.day);
}

}  // namespace tern::tlsrpt
