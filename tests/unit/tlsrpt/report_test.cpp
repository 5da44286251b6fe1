// The RFC 8460 JSON report: its structure (checked member by member with nlohmann-json),
// the summary counts per policy and failures grouped by result type and peer.
#include "tlsrpt/report.hpp"

#include <gtest/gtest.h>

namespace tern::tlsrpt {
namespace {

using json = nlohmann::json;

Event session(const std::string& domain, Policy policy, std::optional<ResultType> failure, std::string mx = "mx1.example.org") {
  Event e;
  e.day = "2026-12-07";
  e.domain = domain;
  e.policy = std::move(policy);
  e.failure = failure;
  e.receiving_mx = mx;
  e.receiving_ip = "192.0.2.1";
  return e;
}

const Policy kSts{PolicyType::sts, {"version: STSv1", "mode: enforce", "mx: *.example.org", "max_age: 86400"},
                  {"*.example.org"}};
const Policy kNone{};

ReportInfo info() { return {"Example Org", "mailto:postmaster@example.net", "2026-12-07", "mx.example.net"}; }

TEST(TlsrptReport, GroupsByDomain) {
  auto m = by_domain({session("Example.ORG", kSts, {}), session("other.test", kNone, {}), session("example.org", kSts, {})});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m["example.org"].size(), 2u);
  EXPECT_EQ(m["other.test"].size(), 1u);
}

TEST(TlsrptReport, HasTheRfc8460Structure) {
  std::vector<Event> ev = {session("example.org", kSts, {}), session("example.org", kSts, {}),
                           session("example.org", kSts, ResultType::certificate_host_mismatch),
                           session("example.org", kSts, ResultType::certificate_host_mismatch),
                           session("example.org", kSts, ResultType::certificate_expired, "mx2.example.org"),
                           session("example.org", kNone, {})};
  json r = build_report(info(), "example.org", ev);
  // Round trip through text, as a receiver reads it.
  r = json::parse(r.dump());
  EXPECT_EQ(r.at("organization-name"), "Example Org");
  EXPECT_EQ(r.at("contact-info"), "mailto:postmaster@example.net");
  EXPECT_EQ(r.at("date-range").at("start-datetime"), "2026-12-07T00:00:00Z");
  EXPECT_EQ(r.at("date-range").at("end-datetime"), "2026-12-07T23:59:59Z");
  EXPECT_TRUE(r.at("report-id").is_string());
  EXPECT_FALSE(r.at("report-id").get<std::string>().empty());
  const json& pols = r.at("policies");
  ASSERT_TRUE(pols.is_array());
  ASSERT_EQ(pols.size(), 2u);

  const json& sts = pols[0];
  EXPECT_EQ(sts.at("policy").at("policy-type"), "sts");
  EXPECT_EQ(sts.at("policy").at("policy-domain"), "example.org");
  EXPECT_EQ(sts.at("policy").at("policy-string").size(), 4u);
  EXPECT_EQ(sts.at("policy").at("mx-host"), json::array({"*.example.org"}));
  EXPECT_EQ(sts.at("summary").at("total-successful-session-count"), 2);
  EXPECT_EQ(sts.at("summary").at("total-failure-session-count"), 3);
  const json& fd = sts.at("failure-details");
  ASSERT_EQ(fd.size(), 2u);
  long long sum = 0;
  for (const auto& d : fd) {
    sum += d.at("failed-session-count").get<long long>();
    EXPECT_EQ(d.at("receiving-ip"), "192.0.2.1");
    if (d.at("result-type") == "certificate-host-mismatch") {
      EXPECT_EQ(d.at("failed-session-count"), 2);
      EXPECT_EQ(d.at("receiving-mx-hostname"), "mx1.example.org");
    } else {
      EXPECT_EQ(d.at("result-type"), "certificate-expired");
      EXPECT_EQ(d.at("receiving-mx-hostname"), "mx2.example.org");
    }
  }
  EXPECT_EQ(sum, 3);

  const json& none = pols[1];
  EXPECT_EQ(none.at("policy").at("policy-type"), "no-policy-found");
  EXPECT_FALSE(none.at("policy").contains("policy-string"));
  EXPECT_EQ(none.at("summary").at("total-successful-session-count"), 1);
  EXPECT_EQ(none.at("summary").at("total-failure-session-count"), 0);
  EXPECT_FALSE(none.contains("failure-details"));
}

TEST(TlsrptReport, FileNameFollowsSection51) {
  EXPECT_EQ(report_file_name(info(), "example.org"),
            "mx.example.net!example.org!2026-12-07T00:00:00Z!2026-12-07T23:59:59Z.json");
}

}  // namespace
}  // namespace tern::tlsrpt
