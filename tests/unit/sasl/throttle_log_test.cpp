// Failed-AUTH throttling, the mechanism filter and the log text helpers.
#include <gtest/gtest.h>

#include "sasl/backend.hpp"
#include "sasl/log_format.hpp"
#include "sasl/throttle.hpp"

namespace tern::sasl {
namespace {

using namespace std::chrono_literals;
using Clock = FailureThrottle::Clock;

TEST(SaslThrottle, DelaysAfterThresholdWithinWindow) {
  FailureThrottle t({.threshold = 3, .window = 60s, .delay = 1000ms, .max_delay = 4000ms});
  auto now = Clock::now();
  EXPECT_EQ(t.record_failure("192.0.2.1", now), 0ms);
  EXPECT_EQ(t.record_failure("192.0.2.1", now + 1s), 0ms);
  EXPECT_EQ(t.record_failure("192.0.2.1", now + 2s), 1000ms);
  EXPECT_EQ(t.record_failure("192.0.2.1", now + 3s), 2000ms);
  EXPECT_EQ(t.record_failure("192.0.2.1", now + 4s), 4000ms);
  EXPECT_EQ(t.record_failure("192.0.2.1", now + 5s), 4000ms);  // capped
  EXPECT_EQ(t.record_failure("192.0.2.2", now + 5s), 0ms);     // per client
  EXPECT_EQ(t.failures("192.0.2.1", now + 5s), 6u);
  // Outside the window the count starts again.
  EXPECT_EQ(t.record_failure("192.0.2.1", now + 120s), 0ms);
  EXPECT_EQ(t.failures("192.0.2.1", now + 120s), 1u);
  // A success forgets the client.
  t.record_failure("192.0.2.1", now + 121s);
  t.record_success("192.0.2.1");
  EXPECT_EQ(t.failures("192.0.2.1", now + 121s), 0u);
}

TEST(SaslThrottle, MemoryIsBounded) {
  FailureThrottle t({.threshold = 1, .window = 60s, .delay = 10ms, .max_delay = 10ms, .max_clients = 100});
  auto now = Clock::now();
  for (int i = 0; i < 1000; ++i) t.record_failure("10.0.0." + std::to_string(i), now + std::chrono::milliseconds(i));
  EXPECT_LE(t.tracked(), 100u);
  EXPECT_EQ(t.failures("10.0.0.999", now + 1s), 1u);
}

TEST(SaslThrottle, ZeroDelayDisables) {
  FailureThrottle t({.threshold = 1, .window = 60s, .delay = 0ms});
  EXPECT_EQ(t.record_failure("a", Clock::now()), 0ms);
}

TEST(SaslFilter, SecurityOptionsAndMechanismFilter) {
  std::vector<std::string> m{"PLAIN", "LOGIN", "ANONYMOUS", "EXTERNAL"};
  EXPECT_EQ(filter_mechanisms(m, {"noanonymous"}, {"!external", "static:rest"}),
            (std::vector<std::string>{"PLAIN", "LOGIN"}));
  EXPECT_EQ(filter_mechanisms(m, {"noplaintext", "noanonymous"}, {}),
            (std::vector<std::string>{"EXTERNAL"}));
  EXPECT_EQ(filter_mechanisms(m, {}, {"login"}), (std::vector<std::string>{"LOGIN"}));
}

TEST(SaslLog, PostfixLines) {
  std::string who = client_namaddr("", "127.0.0.1");
  EXPECT_EQ(who, "unknown[127.0.0.1]");
  EXPECT_EQ(client_log_suffix("PLAIN", "alice"), ", sasl_method=PLAIN, sasl_username=alice");
  EXPECT_EQ(client_log_suffix("", ""), "");
  EXPECT_EQ(sasl_log_fields("LOGIN", "bob\tx"), "sasl_method=LOGIN, sasl_username=bob?x");
  EXPECT_EQ(auth_failed_text(who, "PLAIN", AuthResult::failure("authentication failure", "alice")),
            "unknown[127.0.0.1]: SASL PLAIN authentication failed: authentication failure, sasl_username=alice");
  EXPECT_EQ(auth_failed_text(client_namaddr("mail.example.org", "192.0.2.7"), "LOGIN", AuthResult::failure("")),
            "mail.example.org[192.0.2.7]: SASL LOGIN authentication failed: (reason unavailable), "
            "sasl_username=(unavailable)");
  EXPECT_EQ(auth_aborted_text(who, "LOGIN"), "unknown[127.0.0.1]: SASL LOGIN authentication aborted");
}

}  // namespace
}  // namespace tern::sasl
