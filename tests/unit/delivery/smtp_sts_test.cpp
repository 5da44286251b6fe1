// Which MTA-STS policy is in force (RFC 8461 §3.3, §5.1), over the in-memory resolver and a
// real disk cache: a fresh cached policy with the record's id is used without a fetch; a
// changed id, no record or a DNS failure keep a fresh cached policy when no new one can be
// had; an expired one is dropped; mode none is no policy. The HTTPS fetch itself is
// exercised end to end by test_mta_sts.py.
#include "delivery/smtp/sts.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "dns/memory_resolver.hpp"

namespace tern::delivery::smtp {
namespace {

class StsFind : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sts-find-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    dns_ = std::make_shared<dns::MemoryResolver>();
    StsSettings s;
    s.cache_directory = dir_;
    s.fetch_timeout = std::chrono::seconds(2);
    s.port = 1;  // nothing listens: a fetch, when tried, fails
    auto made = StsPolicies::make(s, dns_);
    ASSERT_TRUE(made.ok()) << made.error().message;
    sts_ = std::move(*made);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void cache(std::string id, std::time_t fetched, sts::Mode mode = sts::Mode::enforce) {
    sts::CachedPolicy c;
    c.id = std::move(id);
    c.fetched = fetched;
    c.policy.mode = mode;
    c.policy.mx = {"mx.example.org"};
    c.policy.max_age = std::chrono::seconds(3600);
    ASSERT_TRUE(sts::PolicyCache(dir_).store("example.org", c).ok());
  }

  std::string dir_;
  std::shared_ptr<dns::MemoryResolver> dns_;
  std::unique_ptr<StsPolicies> sts_;
};

constexpr std::time_t kNow = 1800000000;

TEST_F(StsFind, NoRecordNoPolicy) {
  auto l = sts_->find("example.org", kNow);
  EXPECT_FALSE(l.policy);
  EXPECT_NE(l.note.find("no v=STSv1 record"), std::string::npos) << l.note;
}

TEST_F(StsFind, CachedPolicyWithTheSameIdIsUsedWithoutFetching) {
  ASSERT_TRUE(dns_->add("_mta-sts.example.org", "TXT", "v=STSv1; id=abc").ok());
  cache("abc", kNow - 60);
  auto l = sts_->find("example.org", kNow);
  ASSERT_TRUE(l.policy) << l.note;
  EXPECT_EQ(l.source, "cache");
  EXPECT_EQ(l.id, "abc");
  EXPECT_EQ(dns_->queries(), 1u);  // the TXT record only: no address lookup, no fetch
}

TEST_F(StsFind, ChangedIdFetchesAndKeepsTheCachedPolicyWhenTheFetchFails) {
  ASSERT_TRUE(dns_->add("_mta-sts.example.org", "TXT", "v=STSv1; id=new").ok());
  ASSERT_TRUE(dns_->add("mta-sts.example.org", "A", "127.0.0.1").ok());
  cache("old", kNow - 60);
  auto l = sts_->find("example.org", kNow);
  ASSERT_TRUE(l.policy);
  EXPECT_EQ(l.source, "cache");
  EXPECT_EQ(l.id, "old");
  EXPECT_NE(l.note.find("policy fetch failed"), std::string::npos) << l.note;
}

TEST_F(StsFind, FetchFailureWithoutCacheIsNoPolicy) {
  ASSERT_TRUE(dns_->add("_mta-sts.example.org", "TXT", "v=STSv1; id=new").ok());
  auto l = sts_->find("example.org", kNow);
  EXPECT_FALSE(l.policy);
  EXPECT_NE(l.note.find("mta-sts.example.org: no address"), std::string::npos) << l.note;
}

TEST_F(StsFind, DnsFailureOrVanishedRecordKeepsAFreshCachedPolicy) {
  cache("abc", kNow - 60);
  auto l = sts_->find("example.org", kNow);  // no record at all
  ASSERT_TRUE(l.policy);
  EXPECT_EQ(l.source, "cache");
  dns_->fail("_mta-sts.example.org", dns::Type::TXT);
  l = sts_->find("example.org", kNow);
  ASSERT_TRUE(l.policy);
  EXPECT_EQ(l.source, "cache");
}

TEST_F(StsFind, ExpiredAndModeNonePoliciesAreNotInForce) {
  ASSERT_TRUE(dns_->add("_mta-sts.example.org", "TXT", "v=STSv1; id=abc").ok());
  cache("abc", kNow - 3600);  // max_age 3600: expired now
  EXPECT_FALSE(sts_->find("example.org", kNow).policy);
  cache("abc", kNow - 60, sts::Mode::none);
  auto l = sts_->find("example.org", kNow);
  EXPECT_FALSE(l.policy);
  EXPECT_NE(l.note.find("mode none"), std::string::npos) << l.note;
}

TEST_F(StsFind, SeveralRecordsAreNoPolicy) {
  ASSERT_TRUE(dns_->add("_mta-sts.example.org", "TXT", "v=STSv1; id=a").ok());
  ASSERT_TRUE(dns_->add("_mta-sts.example.org", "TXT", "v=STSv1; id=b").ok());
  auto l = sts_->find("example.org", kNow);
  EXPECT_FALSE(l.policy);
  EXPECT_NE(l.note.find("2 v=STSv1 records"), std::string::npos) << l.note;
}

}  // namespace
}  // namespace tern::delivery::smtp
