// The check_reputation score table: defaults, the value parsers, malformed entries.
#include "policy/reputation_scores.hpp"

#include <gtest/gtest.h>

#include <map>

#include "policy/reputation.hpp"
#include "../test_params.hpp"

namespace tern::policy::reputation {
namespace {

Result<Scores> from_map(std::map<std::string, std::string> m) {
  return read_scores([&](std::string_view k) -> Result<maps::Found> {
    auto it = m.find(std::string(k));
    if (it == m.end()) return maps::Found{};
    return maps::Found{it->second};
  });
}

TEST(ReputationScores, DefaultsArePolicydWeights) {
  Scores s = default_scores();
  EXPECT_DOUBLE_EQ(s[Check::client_ip_eq_helo].hit, 1.5);
  EXPECT_DOUBLE_EQ(s[Check::client_ip_eq_helo].miss, -1.25);
  EXPECT_DOUBLE_EQ(s[Check::helo_from_mx_eq_ip].miss, -3.1);
  EXPECT_DOUBLE_EQ(s[Check::bogus_mx].hit, 2.1);
  EXPECT_DOUBLE_EQ(s[Check::random_sender].hit, 0.25);
  EXPECT_DOUBLE_EQ(s[Check::helo_ip_in_cl16_subnet].miss, -0.41);
  ASSERT_EQ(s.dnsbl.size(), 4u);
  EXPECT_EQ(s.dnsbl[1].zone, "sbl-xbl.spamhaus.org");
  EXPECT_DOUBLE_EQ(s.dnsbl[1].miss, -1.5);
  EXPECT_EQ(s.dnsbl[0].log_name, "DYN_PBL_SPAMHAUS");
  ASSERT_EQ(s.rhsbl.size(), 1u);
  EXPECT_EQ(s.rhsbl[0].zone, "multi.surbl.org");
  EXPECT_EQ(check_name(Check::enforce_dyndns), "enforce_dyndns");
}

TEST(ReputationScores, Decimals) {
  EXPECT_DOUBLE_EQ(*parse_decimal("4.35"), 4.35);
  EXPECT_DOUBLE_EQ(*parse_decimal("-1.5"), -1.5);
  EXPECT_DOUBLE_EQ(*parse_decimal("+2"), 2);
  EXPECT_DOUBLE_EQ(*parse_decimal(".5"), 0.5);
  for (const char* bad : {"", "-", ".", "1e3", "inf", "nan", "0x10", "1.2.3", "--1", "+-1", "1-", "4,35", " 1", "1 ", "1000001"})
    EXPECT_FALSE(parse_decimal(bad).ok()) << bad;
}

TEST(ReputationScores, TableOverridesSomeKeys) {
  auto s = from_map({{"helo", "2 -3"}, {"dnsbl", "rbl.example.test 4.35 -1.5 RBL_TEST,\n  dyn.example.test. 3 0 DYN_X"},
                     {"rhsbl", "none"}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ((*s)[Check::helo].hit, 2);
  EXPECT_DOUBLE_EQ((*s)[Check::helo].miss, -3);
  EXPECT_DOUBLE_EQ((*s)[Check::bogus_mx].hit, 2.1);  // untouched default
  ASSERT_EQ(s->dnsbl.size(), 2u);
  EXPECT_EQ(s->dnsbl[1].zone, "dyn.example.test");
  EXPECT_EQ(s->dnsbl[1].log_name, "DYN_X");
  EXPECT_TRUE(s->rhsbl.empty());
}

TEST(ReputationScores, MalformedEntriesNameTheEntry) {
  struct Case {
    const char* key;
    const char* value;
    const char* says;
  } cases[] = {
      {"helo", "1", "expected \"HIT MISS\""},
      {"helo", "1 2 3", "expected \"HIT MISS\""},
      {"helo", "x 2", "hit score: \"x\" is not a decimal number"},
      {"bogus_mx", "2 y", "miss score"},
      {"dnsbl", "rbl.example.test 4 0", "expected \"ZONE HIT MISS LOGNAME\""},
      {"dnsbl", "rbl..example 4 0 X", "is not a DNS zone name"},
      {"dnsbl", "rbl.example.test four 0 X", "rbl.example.test: hit score"},
      {"dnsbl", "rbl.example.test 4 0 BAD:NAME", "log name"},
      {"rhsbl", ",", "no zones"},
      {"rhsbl", "a.example 1 0 A, b.example 1", "expected"},
  };
  for (const auto& c : cases) {
    auto s = from_map({{c.key, c.value}});
    ASSERT_FALSE(s.ok()) << c.key << " " << c.value;
    EXPECT_NE(s.error().message.find(std::string("reputation_score_maps: entry \"") + c.key + "\""), std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find(c.says), std::string::npos) << s.error().message;
  }
}

TEST(ReputationScores, TableErrorsAreConfigErrors) {
  auto p = testing::test_params({{"reputation_score_maps", "inline:{ {helo = 1.5} }"}});
  auto s = settings(p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "reputation_score_maps: entry \"helo\": expected \"HIT MISS\" (two decimal numbers), got \"1.5\"");
  p = testing::test_params({{"reputation_score_maps", "nosuchtype:/x"}});
  EXPECT_FALSE(settings(p).ok());
  p = testing::test_params({{"reputation_reject_level", "high"}});
  s = settings(p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "reputation_reject_level: \"high\" is not a decimal number");
  p = testing::test_params({{"reputation_defer_code", "550"}});
  EXPECT_FALSE(settings(p).ok());
  p = testing::test_params({{"reputation_reject_reply", "REJECT go away"}});
  EXPECT_FALSE(settings(p).ok());
  p = testing::test_params({{"reputation_header", "X Bad"}});
  EXPECT_FALSE(settings(p).ok());
  p = testing::test_params({{"reputation_score_maps", "inline:{ {helo = 2 -2}, {dnsbl = a.example 1 0 A} }"}});
  s = settings(p);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ(s->scores[Check::helo].hit, 2);
  ASSERT_EQ(s->scores.dnsbl.size(), 1u);
}

}  // namespace
}  // namespace tern::policy::reputation
