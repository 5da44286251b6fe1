// The MTA-STS policy cache on disk: entries round-trip, freshness follows max_age,
// damaged entries and unsafe domain names are errors, and a missing entry is not.
#include "sts/cache.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "base/file.hpp"

namespace tern::sts {
namespace {

class StsCache : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sts-cache-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(StsCache, StoresAndLoads) {
  PolicyCache cache(dir_ + "/mta-sts");
  auto none = cache.load("example.org");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());

  CachedPolicy c;
  c.id = "abc123";
  c.fetched = 1700000000;
  c.policy.mode = Mode::enforce;
  c.policy.mx = {"*.example.org"};
  c.policy.max_age = std::chrono::seconds(3600);
  ASSERT_TRUE(cache.store("Example.ORG", c).ok());
  auto got = cache.load("example.org");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id, "abc123");
  EXPECT_EQ((*got)->fetched, 1700000000);
  EXPECT_EQ((*got)->policy.mx, c.policy.mx);
  EXPECT_TRUE((*got)->fresh(1700000000 + 3599));
  EXPECT_FALSE((*got)->fresh(1700000000 + 3600));
}

TEST_F(StsCache, DamagedEntriesAndBadNames) {
  PolicyCache cache(dir_);
  ASSERT_TRUE(atomic_write_file(dir_ + "/broken.example", "id: x\nfetched: soon\n\n").ok());
  EXPECT_FALSE(cache.load("broken.example").ok());
  ASSERT_TRUE(atomic_write_file(dir_ + "/nopolicy.example", "id: x\nfetched: 1\n\nversion: STSv1\n").ok());
  EXPECT_FALSE(cache.load("nopolicy.example").ok());
  EXPECT_FALSE(cache.load("../etc/passwd").ok());
  EXPECT_FALSE(cache.load("a/b").ok());
  EXPECT_FALSE(cache.load("").ok());
  EXPECT_FALSE(parse_entry("no header").ok());
  EXPECT_FALSE(parse_entry("what: 1\n\nversion: STSv1\nmode: none\nmax_age: 1\n").ok());
}

}  // namespace
}  // namespace tern::sts
