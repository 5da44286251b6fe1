// Aggregate reports: rows from an evaluation, their storage (and malformed stored lines),
// the RFC 9990 XML, and the check of external report destinations.
#include <gtest/gtest.h>

#include <filesystem>

#include "../temp_dir.hpp"
#include "dmarc/aggregate.hpp"
#include "dmarc/report_destinations.hpp"
#include "dmarc/report_store.hpp"
#include "dns/blocking.hpp"
#include "dns/memory_resolver.hpp"
#include "failed_evaluation.hpp"

namespace tern::dmarc {
namespace {

ResultRow sample(std::string ip, std::string disposition = "none") {
  ResultRow r;
  r.time = 1796601600;  // 2026-12-07 00:00:00 UTC
  r.source_ip = std::move(ip);
  r.header_from = "example.com";
  r.envelope_from = "bounce.example.com";
  r.policy_domain = "example.com";
  r.rua = {"mailto:agg@example.com"};
  r.p = "reject";
  r.sp = "quarantine";
  r.disposition = std::move(disposition);
  r.dkim_aligned = "pass";
  r.dkim = {{"example.com", "sel", "pass"}};
  r.spf_domain = "bounce.example.com";
  r.spf_result = "pass";
  return r;
}

TEST(DmarcReport, RowsFromAnEvaluation) {
  Evaluation e = failed_evaluation("a.example.com", "example.com");
  e.verdicts[0].record->adkim = Alignment::strict;
  Input in{"", SpfInput{SpfResult::fail, "x.test", false, "u@x.test", ""}, {{DkimResult::fail, "x.test", "", "s", ""}}, false};
  Disposition d{Action::reject, "550 5.7.1 x", ""};
  auto rows = result_rows(e, in, d, "192.0.2.7", 1796601600, Method::rfc9989);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].disposition, "reject");
  EXPECT_EQ(rows[0].adkim, "s");
  EXPECT_EQ(rows[0].spf_result, "fail");
  EXPECT_EQ(rows[0].dkim_aligned, "fail");
  EXPECT_EQ(rows[0].discovery, "treewalk");
  Evaluation exempt;
  exempt.exempt = true;
  EXPECT_TRUE(result_rows(exempt, in, d, "192.0.2.7", 0, Method::psl).empty());
}

TEST(DmarcReport, StoreRoundTrip) {
  tern::testing::TempDir dir;
  std::string db = dir.path() + "/dmarc";
  ASSERT_TRUE(append_rows(db, {sample("192.0.2.1"), sample("192.0.2.2")}).ok());
  ASSERT_TRUE(append_rows(db, {sample("192.0.2.1")}).ok());
  EXPECT_EQ(day_of(1796601600), "2026-12-07");
  auto rows = read_day(db, "2026-12-07");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[1].source_ip, "192.0.2.2");
  EXPECT_EQ((*rows)[0].dkim[0].selector, "sel");
  EXPECT_EQ((*rows)[0].sp, "quarantine");
  EXPECT_TRUE(read_day(db, "2026-12-08")->empty());
}

TEST(DmarcReport, MalformedStoredRowsAreErrors) {
  std::string good = encode_row(sample("192.0.2.1"));
  ASSERT_TRUE(decode_row(good).ok());
  for (std::string bad : {std::string("not json"), std::string("[]"), std::string("{}"),
                          std::string("{\"v\":2}"), good.substr(0, good.size() - 1)}) {
    EXPECT_FALSE(decode_row(bad).ok()) << bad;
  }
  std::string wrong_type = good;
  wrong_type.replace(wrong_type.find("\"testing\":false"), 15, "\"testing\":\"no\"");
  EXPECT_FALSE(decode_row(wrong_type).ok());
  tern::testing::TempDir dir;
  ASSERT_TRUE(append_rows(dir.path(), {sample("192.0.2.1")}).ok());
  FILE* f = std::fopen((dir.path() + "/2026-12-07.jsonl").c_str(), "a");
  std::fputs("{\"v\":1}\n", f);
  std::fclose(f);
  auto rows = read_day(dir.path(), "2026-12-07");
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.error().message.find(":2:"), std::string::npos) << rows.error().message;
}

TEST(DmarcReport, AggregateXml) {
  std::vector<ResultRow> rows{sample("192.0.2.1"), sample("192.0.2.1"), sample("192.0.2.9", "reject")};
  rows.push_back(sample("198.51.100.1"));
  rows.back().policy_domain = "other.test";
  rows.back().header_from = "a<b>&.other.test";
  ReportMeta meta{"Example Receiver", "postmaster@receiver.test", "receiver.test", 1796601600, 1796687999};
  auto reports = build_reports(rows, meta);
  ASSERT_EQ(reports.size(), 2u);
  const auto& r = reports[0];
  EXPECT_EQ(r.policy_domain, "example.com");
  EXPECT_EQ(r.filename, "receiver.test!example.com!1796601600!1796687999.xml");
  EXPECT_EQ(r.rua, std::vector<std::string>{"mailto:agg@example.com"});
  EXPECT_NE(r.xml.find("<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"), std::string::npos);
  EXPECT_NE(r.xml.find("<source_ip>192.0.2.1</source_ip>\n      <count>2</count>"), std::string::npos) << r.xml;
  EXPECT_NE(r.xml.find("<source_ip>192.0.2.9</source_ip>\n      <count>1</count>"), std::string::npos);
  EXPECT_NE(r.xml.find("<disposition>reject</disposition>"), std::string::npos);
  EXPECT_NE(r.xml.find("<p>reject</p>"), std::string::npos);
  EXPECT_NE(r.xml.find("<sp>quarantine</sp>"), std::string::npos);
  EXPECT_EQ(r.xml.find("<np>"), std::string::npos);
  EXPECT_NE(r.xml.find("<begin>1796601600</begin>"), std::string::npos);
  EXPECT_NE(reports[1].xml.find("<header_from>a&lt;b&gt;&amp;.other.test</header_from>"), std::string::npos);
}

TEST(DmarcReport, ExternalDestinationsNeedTheirConsent) {
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("_dmarc.example.com", "TXT", "v=DMARC1; p=reject").ok());
  ASSERT_TRUE(r.add("example.com._report._dmarc.reports.test", "TXT", "v=DMARC1").ok());
  r.fail("example.com._report._dmarc.flaky.test", dns::Type::TXT);
  std::vector<std::string> rua{"mailto:a@example.com", "mailto:b@mail.example.com", "mailto:c@reports.test",
                               "mailto:d@stranger.test", "mailto:e@flaky.test"};
  std::unique_ptr<Discoverer> disc;
  auto d = dns::run_blocking(r, [&](dns::Resolver& rr) {
    disc = std::make_unique<Discoverer>(rr, Method::rfc9989);
    return verify_destinations(*disc, rr, "example.com", rua);
  });
  EXPECT_EQ(d.allowed, (std::vector<std::string>{"a@example.com", "b@mail.example.com", "c@reports.test"}));
  ASSERT_EQ(d.refused.size(), 2u);
  EXPECT_NE(d.refused[0].find("not authorized by stranger.test"), std::string::npos);
  EXPECT_NE(d.refused[1].find("DNS failure"), std::string::npos);
}

TEST(DmarcReport, UnknownOrganizationalDomainIsADnsFailure) {
  // The walk from mail.example.com fails at _dmarc.com: whether mail.example.com shares
  // example.com's Organizational Domain is unknown; consent published still counts.
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("_dmarc.example.com", "TXT", "v=DMARC1; p=reject").ok());
  ASSERT_TRUE(r.add("example.com._report._dmarc.reports.test", "TXT", "v=DMARC1").ok());
  r.fail("_dmarc.com", dns::Type::TXT);
  std::vector<std::string> rua{"mailto:a@mail.example.com", "mailto:c@reports.test"};
  std::unique_ptr<Discoverer> disc;
  auto d = dns::run_blocking(r, [&](dns::Resolver& rr) {
    disc = std::make_unique<Discoverer>(rr, Method::rfc9989);
    return verify_destinations(*disc, rr, "example.com", rua);
  });
  EXPECT_EQ(d.allowed, (std::vector<std::string>{"c@reports.test"}));
  EXPECT_EQ(d.refused, (std::vector<std::string>{
                           "a@mail.example.com (DNS failure finding the Organizational Domain of example.com)"}));
}

}  // namespace
}  // namespace tern::dmarc
