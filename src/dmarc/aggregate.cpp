#include "dmarc/aggregate.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

namespace tern::dmarc {

namespace {

// What makes two rows the same report record.
using RowKey = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string,
                          std::string>;

RowKey key_of(const ResultRow& r) {
  std::string dkim;
  for (const auto& k : r.dkim) dkim += k.domain + "/" + k.selector + "/" + k.result + ";";
  return {r.source_ip,   r.header_from, r.envelope_from, r.disposition,
          r.dkim_aligned + r.spf_aligned, dkim, r.spf_domain + "/" + r.spf_scope, r.spf_result};
}

void element(std::string& out, int depth, std::string_view name, std::string_view value) {
  out += fmt::format("{:{}}<{}>{}</{}>\n", "", depth * 2, name, xml_escape(value), name);
}

void policy_published(std::string& out, const ResultRow& r) {
  out += "  <policy_published>\n";
  element(out, 2, "domain", r.policy_domain);
  element(out, 2, "adkim", r.adkim);
  element(out, 2, "aspf", r.aspf);
  element(out, 2, "p", r.p);
  if (!r.sp.empty()) element(out, 2, "sp", r.sp);
  if (!r.np.empty()) element(out, 2, "np", r.np);
  element(out, 2, "testing", r.testing ? "y" : "n");
  element(out, 2, "discovery_method", r.discovery);
  out += "  </policy_published>\n";
}

void record(std::string& out, const ResultRow& r, size_t count) {
  out += "  <record>\n    <row>\n";
  element(out, 3, "source_ip", r.source_ip);
  element(out, 3, "count", std::to_string(count));
  out += "      <policy_evaluated>\n";
  element(out, 4, "disposition", r.disposition);
  element(out, 4, "dkim", r.dkim_aligned);
  element(out, 4, "spf", r.spf_aligned);
  out += "      </policy_evaluated>\n    </row>\n    <identifiers>\n";
  if (!r.envelope_from.empty()) element(out, 3, "envelope_from", r.envelope_from);
  element(out, 3, "header_from", r.header_from);
  out += "    </identifiers>\n    <auth_results>\n";
  for (const auto& k : r.dkim) {
    out += "      <dkim>\n";
    element(out, 4, "domain", k.domain);
    if (!k.selector.empty()) element(out, 4, "selector", k.selector);
    element(out, 4, "result", k.result);
    out += "      </dkim>\n";
  }
  out += "      <spf>\n";
  element(out, 4, "domain", r.spf_domain);
  element(out, 4, "scope", r.spf_scope);
  element(out, 4, "result", r.spf_result);
  out += "      </spf>\n    </auth_results>\n  </record>\n";
}

std::string document(const std::vector<const ResultRow*>& rows, const ReportMeta& meta, const std::string& id) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n";
  out += "  <version>1.0</version>\n  <report_metadata>\n";
  element(out, 2, "org_name", meta.org_name);
  element(out, 2, "email", meta.email);
  element(out, 2, "report_id", id);
  out += fmt::format("    <date_range>\n      <begin>{}</begin>\n      <end>{}</end>\n    </date_range>\n",
                     meta.begin, meta.end);
  out += "  </report_metadata>\n";
  policy_published(out, *rows.back());  // the policy as last seen in the period
  std::map<RowKey, std::pair<const ResultRow*, size_t>> grouped;
  for (const ResultRow* r : rows) {
    auto& g = grouped[key_of(*r)];
    if (!g.first) g.first = r;
    ++g.second;
  }
  for (const auto& [key, g] : grouped) record(out, *g.first, g.second);
  return out + "</feedback>\n";
}

}  // namespace

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += (u < 0x20 && c != '\t') || u == 0x7f ? '?' : c;  // not allowed in XML 1.0
    }
  }
  return out;
}

std::vector<AggregateReport> build_reports(const std::vector<ResultRow>& rows, const ReportMeta& meta) {
  std::map<std::string, std::vector<const ResultRow*>> by_domain;
  for (const auto& r : rows) by_domain[r.policy_domain].push_back(&r);
  std::vector<AggregateReport> out;
  for (const auto& [domain, list] : by_domain) {
    AggregateReport rep;
    rep.policy_domain = domain;
    rep.rua = list.back()->rua;
    std::string id = fmt::format("{}.{}.{}", meta.begin, domain, meta.receiver);
    rep.filename = fmt::format("{}!{}!{}!{}.xml", meta.receiver, domain, meta.begin, meta.end);
    for (char& c : rep.filename)
      if (c == '/' || static_cast<unsigned char>(c) < 0x20) c = '_';  // one file, in its directory
    rep.xml = document(list, meta, id);
    out.push_back(std::move(rep));
  }
  return out;
}

}  // namespace tern::dmarc
