// check_policy_service arguments: the endpoint forms, Postfix 3's "{ ... }" per-service
// settings over the smtpd_policy_service_* parameters, and the errors for malformed ones.
#include <gtest/gtest.h>

#include "../test_params.hpp"
#include "policy/policy_service_spec.hpp"

namespace tern::policy {
namespace {

using namespace std::chrono_literals;
using tern::testing::test_params;

TEST(PolicyServiceSpec, InetWithTheGlobalDefaults) {
  auto p = test_params({{"smtpd_policy_service_timeout", "7s"}, {"smtpd_policy_service_try_limit", "3"},
                        {"smtpd_policy_service_default_action", "DUNNO"}, {"smtpd_policy_service_policy_context", "mx"}});
  auto s = parse_policy_service_spec("inet:127.0.0.1:10023", p);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->kind, PolicyServiceSettings::Kind::inet);
  EXPECT_EQ(s->host, "127.0.0.1");
  EXPECT_EQ(s->port, "10023");
  EXPECT_EQ(s->name, "inet:127.0.0.1:10023");
  EXPECT_EQ(s->timeout, 7s);
  EXPECT_EQ(s->try_limit, 3);
  EXPECT_EQ(s->default_action, "DUNNO");
  EXPECT_EQ(s->policy_context, "mx");
  EXPECT_EQ(s->max_idle, 300s);
  EXPECT_EQ(s->max_ttl, 1000s);
  EXPECT_EQ(s->retry_delay, 1s);
  EXPECT_EQ(s->request_limit, 0);
}

TEST(PolicyServiceSpec, PostfixDefaults) {
  auto s = parse_policy_service_spec("inet:[::1]:9998", test_params({}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->host, "::1");
  EXPECT_EQ(s->timeout, 100s);
  EXPECT_EQ(s->default_action, "451 4.3.5 Server configuration problem");
  EXPECT_EQ(s->try_limit, 2);
}

TEST(PolicyServiceSpec, UnixPathsAbsoluteOrUnderTheQueueDirectory) {
  auto p = test_params({{"queue_directory", "/var/spool/tern"}});
  auto s = parse_policy_service_spec("unix:private/policy", p);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->kind, PolicyServiceSettings::Kind::unix_socket);
  EXPECT_EQ(s->path, "/var/spool/tern/private/policy");
  s = parse_policy_service_spec("unix:/run/policyd.sock", p);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->path, "/run/policyd.sock");
}

TEST(PolicyServiceSpec, PerServiceSettings) {
  auto s = parse_policy_service_spec(
      "{ inet:127.0.0.1:9998, timeout=10s, default_action=DUNNO, max_idle=2m, max_ttl=1h, try_limit=1,"
      " request_limit=5, retry_delay=3, policy_context=submission }",
      test_params({}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->name, "inet:127.0.0.1:9998");
  EXPECT_EQ(s->timeout, 10s);
  EXPECT_EQ(s->default_action, "DUNNO");
  EXPECT_EQ(s->max_idle, 120s);
  EXPECT_EQ(s->max_ttl, 3600s);
  EXPECT_EQ(s->try_limit, 1);
  EXPECT_EQ(s->request_limit, 5);
  EXPECT_EQ(s->retry_delay, 3s);
  EXPECT_EQ(s->policy_context, "submission");
}

TEST(PolicyServiceSpec, BracesGroupAValueWithSpaces) {
  auto s = parse_policy_service_spec("{ inet:127.0.0.1:9998, { default_action = 450 4.7.1 try again later } }",
                                     test_params({}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->default_action, "450 4.7.1 try again later");
}

TEST(PolicyServiceSpec, OuterBracesAlreadyRemoved) {
  auto s = parse_policy_service_spec("inet:127.0.0.1:9998, timeout=5s", test_params({}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->timeout, 5s);
}

TEST(PolicyServiceSpec, MalformedSpecsAreConfigErrors) {
  struct Case {
    std::string spec;
    std::string why;
  } cases[] = {
      {"", "no policy server"},
      {"{ }", "no policy server"},
      {"tcp:127.0.0.1:1", "expected inet:host:port or unix:/path"},
      {"inet:127.0.0.1", "needs host:port"},
      {"inet::25", "needs host:port"},
      {"inet:127.0.0.1:0", "bad port"},
      {"inet:127.0.0.1:65536", "bad port"},
      {"inet:127.0.0.1:+25", "bad port"},
      {"inet:127.0.0.1:2x", "bad port"},
      {"inet:::1:25", "needs brackets"},
      {"inet:[]:25", "empty host"},
      {"unix:", "empty unix"},
      {"{ inet:127.0.0.1:9998, timeout=10s", "missing closing"},
      {"inet:127.0.0.1:9998 }", "missing opening"},
      {"{ inet:127.0.0.1:9998, { a = { b } } }", "nested"},
      {"{ inet:127.0.0.1:9998, timeout=10x }", "bad timeout"},
      {"{ inet:127.0.0.1:9998, timeout=0 }", "bad timeout"},
      {"{ inet:127.0.0.1:9998, timeout= }", "bad timeout"},
      {"{ inet:127.0.0.1:9998, max_idle=-5s }", "bad max_idle"},
      {"{ inet:127.0.0.1:9998, try_limit=0 }", "bad try_limit"},
      {"{ inet:127.0.0.1:9998, request_limit=x }", "bad request_limit"},
      {"{ inet:127.0.0.1:9998, default_action= }", "empty default_action"},
      {"{ inet:127.0.0.1:9998, timeout = 10s }", "expected name=value"},
      {"{ inet:127.0.0.1:9998, colour=blue }", "unknown setting"},
      {"{ inet:127.0.0.1:9998, retry_delay=99999999999w }", "bad retry_delay"},
  };
  auto p = test_params({});
  for (const auto& c : cases) {
    auto s = parse_policy_service_spec(c.spec, p);
    ASSERT_FALSE(s.ok()) << c.spec;
    EXPECT_NE(s.error().message.find(c.why), std::string::npos) << c.spec << " -> " << s.error().message;
    EXPECT_NE(s.error().message.find("check_policy_service"), std::string::npos) << s.error().message;
  }
}

}  // namespace
}  // namespace tern::policy
