// TLS-RPT events: their JSON line form (strict decoding), the day files (appends from
// many threads stay whole lines; a torn or foreign line is skipped and counted).
#include "tlsrpt/store.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "../temp_dir.hpp"

namespace tern::tlsrpt {
namespace {

Event sample(std::optional<ResultType> failure) {
  Event e;
  e.day = "2026-12-07";
  e.domain = "example.org";
  e.policy = {PolicyType::sts, {"version: STSv1", "mode: enforce"}, {"mx.example.org"}};
  e.failure = failure;
  e.receiving_ip = "192.0.2.1";
  e.receiving_mx = "mx.example.org";
  e.detail = failure ? "Server certificate not verified" : "";
  return e;
}

TEST(TlsrptEvent, RoundTrips) {
  for (auto f : {std::optional<ResultType>{}, std::optional{ResultType::certificate_host_mismatch}}) {
    Event e = sample(f);
    auto back = decode(encode(e));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->day, e.day);
    EXPECT_EQ(back->domain, e.domain);
    EXPECT_EQ(back->policy, e.policy);
    EXPECT_EQ(back->failure, e.failure);
    EXPECT_EQ(back->receiving_ip, e.receiving_ip);
    EXPECT_EQ(back->receiving_mx, e.receiving_mx);
    EXPECT_EQ(back->detail, e.detail);
  }
  EXPECT_EQ(encode(sample(std::nullopt)).find('\n'), std::string::npos);
}

TEST(TlsrptEvent, NamesEveryResultType) {
  for (auto name : {"starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
                    "certificate-not-trusted", "validation-failure", "tlsa-invalid", "dnssec-invalid",
                    "dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"}) {
    auto t = parse_result(name);
    ASSERT_TRUE(t) << name;
    EXPECT_EQ(result_name(*t), name);
  }
  EXPECT_FALSE(parse_result("success"));
  EXPECT_FALSE(parse_policy_type("dane"));
}

TEST(TlsrptEvent, RefusesMalformedLines) {
  std::string good = encode(sample(std::nullopt));
  EXPECT_TRUE(decode(good).ok());
  EXPECT_FALSE(decode("").ok());
  EXPECT_FALSE(decode("[]").ok());
  EXPECT_FALSE(decode(good.substr(0, good.size() - 1)).ok());  // torn
  EXPECT_FALSE(decode(R"({"domain":"a","policy-type":"sts","result":"success"})").ok());  // no day
  EXPECT_FALSE(decode(R"({"day":"2026-13-01","domain":"a","policy-type":"sts","result":"success"})").ok());
  EXPECT_FALSE(decode(R"({"day":"2026-12-07","domain":"","policy-type":"sts","result":"success"})").ok());
  EXPECT_FALSE(decode(R"({"day":"2026-12-07","domain":"a","policy-type":"dane","result":"success"})").ok());
  EXPECT_FALSE(decode(R"({"day":"2026-12-07","domain":"a","policy-type":"sts","result":"bad-luck"})").ok());
  EXPECT_FALSE(decode(R"({"day":"2026-12-07","domain":"a","policy-type":"sts","result":"success","mx-host":"x"})").ok());
  EXPECT_FALSE(decode(R"({"day":"2026-12-07","domain":"a","policy-type":"sts","result":"success","mx-host":[1]})").ok());
  EXPECT_FALSE(decode(R"({"day":"2026-12-07","domain":"a","policy-type":"sts","result":"success","receiving-ip":7})").ok());
  EXPECT_TRUE(decode(R"({"day":"2026-12-07","domain":"a","policy-type":"no-policy-found","result":"success"})").ok());
}

TEST(TlsrptDay, ValidDays) {
  EXPECT_TRUE(valid_day("2026-12-07"));
  EXPECT_FALSE(valid_day("2026-12-7"));
  EXPECT_FALSE(valid_day("2026/12/07"));
  EXPECT_FALSE(valid_day("2026-00-07"));
  EXPECT_FALSE(valid_day("2026-12-32"));
  EXPECT_FALSE(valid_day("../../etc/x"));
  EXPECT_EQ(utc_day(0), "1970-01-01");
  EXPECT_EQ(utc_day(1796601600), "2026-12-07");
}

TEST(TlsrptStore, AppendsAndReadsBack) {
  testing::TempDir dir;
  ASSERT_TRUE(append(dir.path(), sample(std::nullopt)).ok());
  ASSERT_TRUE(append(dir.path(), sample(ResultType::certificate_expired)).ok());
  Event other = sample(std::nullopt);
  other.day = "2026-12-08";
  ASSERT_TRUE(append(dir.path(), other).ok());
  auto day = read_day(dir.path(), "2026-12-07");
  ASSERT_TRUE(day.ok()) << day.error().message;
  ASSERT_EQ(day->events.size(), 2u);
  EXPECT_FALSE(day->events[0].failure);
  EXPECT_EQ(day->events[1].failure, ResultType::certificate_expired);
  EXPECT_EQ(day->malformed, 0u);
  auto empty = read_day(dir.path(), "2026-12-01");  // no file: no events
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->events.empty());
  Event bad = sample(std::nullopt);
  bad.day = "yesterday";
  EXPECT_FALSE(append(dir.path(), bad).ok());
  EXPECT_FALSE(append(dir.file("missing"), sample(std::nullopt)).ok());
}

TEST(TlsrptStore, SkipsMalformedLines) {
  testing::TempDir dir;
  std::string good = encode(sample(std::nullopt));
  Event other = sample(std::nullopt);
  other.day = "2026-12-06";
  dir.write("2026-12-07.log", good + "\nnot json\n" + encode(other) + "\n" + good + "\n" + good.substr(0, 20));
  auto day = read_day(dir.path(), "2026-12-07");
  ASSERT_TRUE(day.ok()) << day.error().message;
  EXPECT_EQ(day->events.size(), 2u);
  EXPECT_EQ(day->malformed, 3u);  // not JSON, another day, torn last line
  EXPECT_NE(day->first_problem.find(":2:"), std::string::npos) << day->first_problem;
}

TEST(TlsrptStore, ConcurrentAppendsStayWhole) {
  testing::TempDir dir;
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Event e = sample(t % 2 ? std::optional{ResultType::validation_failure} : std::nullopt);
      e.detail = std::string(300 + t, char('a' + t));
      for (int i = 0; i < kEach; ++i) (void)append(dir.path(), e);
    });
  for (auto& th : threads) th.join();
  auto day = read_day(dir.path(), "2026-12-07");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->malformed, 0u);
  EXPECT_EQ(day->events.size(), size_t(kThreads * kEach));
}

}  // namespace
}  // namespace tern::tlsrpt
