// The anvil's counters with injected time: Postfix's fixed time unit per client, the
// concurrency count, the bound on the table, the statistics lines, and the replies and
// warnings the session's ClientRates gives over a limit.
#include "server/anvil.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "../test_params.hpp"

namespace tern::server {
namespace {

constexpr double T0 = 1'000'000;

TEST(AnvilTest, ConnectionsCountWithinOneTimeUnit) {
  Anvil a(60);
  auto& c = a.connect("smtp", "192.0.2.1", T0);
  EXPECT_EQ(c.concurrent, 1u);
  EXPECT_EQ(c.rate[size_t(RateEvent::connection)], 1u);
  a.disconnect(c, T0 + 1);
  auto& c2 = a.connect("smtp", "192.0.2.1", T0 + 30);
  EXPECT_EQ(&c, &c2);  // still in its time unit: remembered
  EXPECT_EQ(c2.concurrent, 1u);
  EXPECT_EQ(c2.rate[size_t(RateEvent::connection)], 2u);
  auto& c3 = a.connect("smtp", "192.0.2.1", T0 + 59);
  EXPECT_EQ(c3.concurrent, 2u);
  EXPECT_EQ(c3.rate[size_t(RateEvent::connection)], 3u);
}

TEST(AnvilTest, ANewTimeUnitStartsEveryRateAtZero) {
  Anvil a(60);
  auto& c = a.connect("smtp", "192.0.2.1", T0);
  EXPECT_EQ(a.record(c, RateEvent::message, T0 + 1), 1u);
  EXPECT_EQ(a.record(c, RateEvent::message, T0 + 2), 2u);
  EXPECT_EQ(a.record(c, RateEvent::recipient, T0 + 2), 1u);
  EXPECT_EQ(a.peek(c, RateEvent::message, T0 + 59), 2u);
  // The unit began at the connection (T0); after T0+60 it is over (Postfix: start + unit < now).
  EXPECT_EQ(a.peek(c, RateEvent::message, T0 + 60), 2u);
  EXPECT_EQ(a.peek(c, RateEvent::message, T0 + 60.5), 0u);
  EXPECT_EQ(a.record(c, RateEvent::message, T0 + 61), 1u);
  EXPECT_EQ(a.peek(c, RateEvent::recipient, T0 + 61), 0u);
  EXPECT_EQ(a.peek(c, RateEvent::connection, T0 + 61), 0u);
  EXPECT_EQ(c.concurrent, 1u);  // the connection itself is still open
}

TEST(AnvilTest, ServicesAndAddressesCountApart) {
  Anvil a(60);
  auto& x = a.connect("smtp", "192.0.2.1", T0);
  auto& y = a.connect("submission", "192.0.2.1", T0);
  auto& z = a.connect("smtp", "192.0.2.2", T0);
  EXPECT_NE(&x, &y);
  EXPECT_NE(&x, &z);
  EXPECT_EQ(*x.ident, "smtp:192.0.2.1");
  EXPECT_EQ(*y.ident, "submission:192.0.2.1");
  a.record(x, RateEvent::message, T0);
  EXPECT_EQ(a.peek(y, RateEvent::message, T0), 0u);
  EXPECT_EQ(a.size(), 3u);
}

TEST(AnvilTest, IdleClientsAreForgottenAfterTheirTimeUnit) {
  Anvil a(60);
  auto& c = a.connect("smtp", "192.0.2.1", T0);
  a.disconnect(c, T0 + 10);
  EXPECT_EQ(a.size(), 1u);  // its rate still matters
  auto& d = a.connect("smtp", "192.0.2.2", T0 + 61);  // the first connect of a unit sweeps
  EXPECT_EQ(a.size(), 1u);
  a.disconnect(d, T0 + 61);
  // A client with an open connection is never forgotten.
  auto& open = a.connect("smtp", "192.0.2.3", T0 + 62);
  a.sweep(T0 + 1000);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(open.concurrent, 1u);
  // Disconnecting after the unit is over forgets it at once.
  a.disconnect(open, T0 + 1000);
  EXPECT_EQ(a.size(), 0u);
}

TEST(AnvilTest, TheTableIsBounded) {
  Anvil a(60, 100);
  std::vector<Anvil::Client*> open;
  for (int i = 0; i < 10; ++i) open.push_back(&a.connect("smtp", "10.0.0." + std::to_string(i), T0));
  for (int i = 0; i < 1000; ++i) {
    auto& c = a.connect("smtp", "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250), T0 + 1);
    a.disconnect(c, T0 + 1);
    ASSERT_LE(a.size(), 100u);
  }
  for (auto* c : open) EXPECT_EQ(c->concurrent, 1u);  // clients with connections stay
  EXPECT_EQ(a.connect("smtp", "10.0.0.3", T0 + 2).concurrent, 2u);
}

TEST(AnvilTest, StatisticsReportTheHighestCountsOnceInPostfixWords) {
  Anvil a(60);
  EXPECT_TRUE(a.statistics().empty());
  auto& c = a.connect("smtp", "127.0.0.1", T0);
  a.connect("smtp", "127.0.0.1", T0 + 1);
  a.connect("smtp", "127.0.0.2", T0 + 2);
  a.record(c, RateEvent::message, T0 + 3);
  a.record(c, RateEvent::recipient, T0 + 3);
  a.record(c, RateEvent::recipient, T0 + 3);
  auto lines = a.statistics();
  ASSERT_EQ(lines.size(), 5u);
  std::regex when(R"( at [A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d$)");
  EXPECT_TRUE(lines[0].starts_with("statistics: max connection rate 2/60s for (smtp:127.0.0.1) at ")) << lines[0];
  EXPECT_TRUE(std::regex_search(lines[0], when)) << lines[0];
  EXPECT_TRUE(lines[1].starts_with("statistics: max connection count 2 for (smtp:127.0.0.1) at ")) << lines[1];
  EXPECT_TRUE(lines[2].starts_with("statistics: max message rate 1/60s for (smtp:127.0.0.1) at ")) << lines[2];
  EXPECT_TRUE(lines[3].starts_with("statistics: max recipient rate 2/60s for (smtp:127.0.0.1) at ")) << lines[3];
  EXPECT_TRUE(lines[4].starts_with("statistics: max cache size 2 at ")) << lines[4];
  EXPECT_TRUE(a.statistics().empty());  // reset by the report
}

TEST(AnvilTest, StatisticsSurviveTheLeaderBeingForgotten) {
  Anvil a(60);
  auto& c = a.connect("smtp", "192.0.2.9", T0);
  a.disconnect(c, T0 + 100);  // forgotten now
  EXPECT_EQ(a.size(), 0u);
  auto lines = a.statistics();
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines[0].starts_with("statistics: max connection rate 1/60s for (smtp:192.0.2.9)")) << lines[0];
}

// ClientRates: the session's side, with Postfix's replies and warnings.
class ClientRatesTest : public ::testing::Test {
 protected:
  ClientInfo who{"unknown", "127.0.0.5", 0, "", "ESMTP"};
  log::Logger log{"smtpd"};
};

TEST_F(ClientRatesTest, MessagesOverTheLimitAreRefusedWithPostfixsReply) {
  auto p = testing::test_params({{"smtpd_client_message_rate_limit", "2"}});
  RateLimits limits = RateLimits::from(p);
  Anvil a(60);
  ClientRates r(a, a.connect("smtp", who.addr, T0), limits);
  EXPECT_FALSE(r.refuse(RateEvent::message, who, "smtp", log, T0 + 1));
  EXPECT_FALSE(r.refuse(RateEvent::message, who, "smtp", log, T0 + 2));
  auto third = r.refuse(RateEvent::message, who, "smtp", log, T0 + 3);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->reply.wire(), "450 4.7.1 Error: too much mail from 127.0.0.5\r\n");
  EXPECT_EQ(third->warning, "Message delivery request rate limit exceeded: 3 from unknown[127.0.0.5] for service smtp");
  // The next time unit starts over.
  EXPECT_FALSE(r.refuse(RateEvent::message, who, "smtp", log, T0 + 61));
}

TEST_F(ClientRatesTest, RecipientsAndAuthOverTheirLimits) {
  auto p = testing::test_params({{"smtpd_client_recipient_rate_limit", "1"}, {"smtpd_client_auth_rate_limit", "1"}});
  RateLimits limits = RateLimits::from(p);
  Anvil a(60);
  ClientRates r(a, a.connect("smtp", who.addr, T0), limits);
  EXPECT_FALSE(r.refuse(RateEvent::recipient, who, "smtp", log, T0));
  auto rcpt = r.refuse(RateEvent::recipient, who, "smtp", log, T0);
  ASSERT_TRUE(rcpt);
  EXPECT_EQ(rcpt->reply.wire(), "450 4.7.1 Error: too many recipients from 127.0.0.5\r\n");
  EXPECT_EQ(rcpt->warning, "Recipient address rate limit exceeded: 2 from unknown[127.0.0.5] for service smtp");
  EXPECT_FALSE(r.refuse(RateEvent::auth, who, "smtp", log, T0));
  auto auth = r.refuse(RateEvent::auth, who, "smtp", log, T0);
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->reply.wire(), "450 4.7.1 Error: too many AUTH commands from 127.0.0.5\r\n");
  EXPECT_EQ(auth->warning, "AUTH command rate limit exceeded: 2 from unknown[127.0.0.5] for service smtp");
}

TEST_F(ClientRatesTest, NewTlsSessionsCountAfterTheHandshakeUnlessResumed) {
  auto p = testing::test_params({{"smtpd_client_new_tls_session_rate_limit", "2"}});
  RateLimits limits = RateLimits::from(p);
  Anvil a(60);
  ClientRates r(a, a.connect("smtp", who.addr, T0), limits);
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(r.refuse_starttls(who, "smtp", log, T0));
    EXPECT_FALSE(r.count_new_tls(false, who, "smtp", "mx.test", log, T0));
  }
  EXPECT_FALSE(r.count_new_tls(true, who, "smtp", "mx.test", log, T0));  // resumed: free
  auto refused = r.refuse_starttls(who, "smtp", log, T0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reply.wire(), "454 4.7.0 Error: too many new TLS sessions from 127.0.0.5\r\n");
  EXPECT_EQ(refused->warning, "Refusing STARTTLS request from unknown[127.0.0.5] for service smtp");
  // A handshake that raced past the check still ends its session.
  auto raced = r.count_new_tls(false, who, "smtp", "mx.test", log, T0);
  ASSERT_TRUE(raced);
  EXPECT_EQ(raced->reply.wire(), "421 4.7.0 mx.test Error: too many new TLS sessions from 127.0.0.5\r\n");
  EXPECT_EQ(raced->warning, "New TLS session rate limit exceeded: 3 from unknown[127.0.0.5] for service smtp");
  EXPECT_FALSE(r.refuse_starttls(who, "smtp", log, T0 + 61));
}

TEST_F(ClientRatesTest, NoLimitOrNoCountersRefusesNothing) {
  auto p = testing::test_params({});
  RateLimits limits = RateLimits::from(p);
  EXPECT_EQ(limits.concurrency, 50u);  // Postfix's default count limit
  Anvil a(60);
  ClientRates r(a, a.connect("smtp", who.addr, T0), limits);
  ClientRates exempt;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(r.refuse(RateEvent::message, who, "smtp", log, T0));
    ASSERT_FALSE(exempt.refuse(RateEvent::message, who, "smtp", log, T0));
  }
  EXPECT_FALSE(exempt.refuse_starttls(who, "smtp", log, T0));
}

}  // namespace
}  // namespace tern::server
