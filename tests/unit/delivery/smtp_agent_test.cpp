// The smtp agent as a whole (delivery/smtp/agent.hpp) with an injected HostResolver and
// real loopback sockets: address failover within smtp_mx_address_limit, the session limit,
// destination_failed when nothing answers, relay= and the delays split, connection reuse.
#include "delivery/smtp/agent.hpp"

#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "config/config.hpp"
#include "delivery/smtp/hosts.hpp"
#include "loopback_server.hpp"

namespace tern::delivery::smtp {
namespace {

// 127.0.0.2 and .3 refuse (the servers listen on 127.0.0.1 only).
class FixedResolver : public HostResolver {
 public:
  explicit FixedResolver(std::vector<std::string> addrs) : addrs_(std::move(addrs)) {}
  Resolution resolve(const Nexthop&) const override {
    Resolution r;
    int i = 0;
    for (const auto& a : addrs_) r.hosts.push_back({"mx" + std::to_string(++i) + ".example", *IpAddress::parse(a)});
    return r;
  }

 private:
  std::vector<std::string> addrs_;
};

struct SmtpAgent : ::testing::Test {
  tern::testing::TempDir dir;
  std::shared_ptr<const config::Config> cfg;
  Message msg;

  std::unique_ptr<Agent> agent(std::vector<std::string> addrs, std::string extra = "") {
    dir.write("main.cf", "myhostname = mail.example.test\nqueue_directory = " + dir.file("spool") +
                             "\ninet_protocols = ipv4\nsmtp_connection_cache_on_demand = no\n" + extra);
    dir.write("master.cf", "smtp unix - - n - - smtp\n");
    auto c = config::load(config::LoadOptions{dir.path()});
    EXPECT_TRUE(c.ok()) << c.error().message;
    cfg = *c;
    auto a = make_client_agent({*cfg, cfg->services.at(0)}, false, std::make_shared<FixedResolver>(addrs));
    EXPECT_TRUE(a.ok()) << a.error().message;
    msg.envelope.sender = "a@example.test";
    msg.envelope.recipients = {Recipient{"b@example.net"}, Recipient{"c@example.net"}};
    msg.content = "Subject: t\n\nhello\n";
    return std::move(*a);
  }
  Outcome send(const Agent& a, int port) {
    return a.deliver({msg, {0, 1}, "smtp", "example.net:" + std::to_string(port)});
  }
};

TEST_F(SmtpAgent, FailsOverToTheNextAddress) {
  testing::LoopbackServer server;
  auto a = agent({"127.0.0.2", "127.0.0.1"});
  Outcome out = send(*a, server.port());
  ASSERT_EQ(out.results.size(), 2u);
  EXPECT_FALSE(out.destination_failed);
  for (const auto& r : out.results) {
    EXPECT_EQ(r.kind, DeliveryResult::sent) << r.text;
    EXPECT_EQ(r.relay, "mx2.example[127.0.0.1]:" + std::to_string(server.port()));
    EXPECT_GE(r.setup, 0);
    EXPECT_GE(r.transmit, 0);
  }
  EXPECT_EQ(out.results[1].index, 1u);
  EXPECT_EQ(server.messages(), 1);
}

TEST_F(SmtpAgent, AddressLimitStopsBeforeTheWorkingAddress) {
  testing::LoopbackServer server;
  auto a = agent({"127.0.0.2", "127.0.0.3", "127.0.0.1"}, "smtp_mx_address_limit = 2\n");
  Outcome out = send(*a, server.port());
  EXPECT_TRUE(out.destination_failed);
  EXPECT_EQ(out.results[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out.results[0].dsn, "4.4.1");
  EXPECT_EQ(out.results[0].relay, "none");
  EXPECT_EQ(out.results[0].text, "connect to mx2.example[127.0.0.3]:" + std::to_string(server.port()) +
                                     ": Connection refused");
  EXPECT_EQ(server.connections(), 0);
}

TEST_F(SmtpAgent, SessionLimitCountsGreetedSessionsOnly) {
  testing::LoopbackServer busy("421 4.3.2 busy");
  // Two refused connects do not count; the 421 session does and is the last allowed.
  auto a = agent({"127.0.0.2", "127.0.0.3", "127.0.0.1", "127.0.0.1"}, "smtp_mx_session_limit = 1\n");
  Outcome out = send(*a, busy.port());
  EXPECT_EQ(busy.connections(), 1);
  EXPECT_EQ(out.results[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out.results[0].text, "host mx3.example[127.0.0.1] refused to talk to me: 421 4.3.2 busy");
  EXPECT_TRUE(out.destination_failed);
}

TEST_F(SmtpAgent, IdleConnectionIsReusedForTheNextJob) {
  testing::LoopbackServer server;
  auto a = agent({"127.0.0.1"}, "smtp_connection_cache_on_demand = yes\nsmtp_connection_cache_time_limit = 10s\n");
  EXPECT_EQ(send(*a, server.port()).results[0].kind, DeliveryResult::sent);
  EXPECT_EQ(send(*a, server.port()).results[0].kind, DeliveryResult::sent);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.messages(), 2);
}

TEST_F(SmtpAgent, ConfigurationErrorsNameTheParameter) {
  for (auto [line, want] : {std::pair{"smtp_tls_security_level = sometimes\n", "smtp_tls_security_level: invalid value"},
                            std::pair{"smtp_tls_protocols = TLSv9\n", "smtp_tls_protocols"},
                            std::pair{"smtp_sasl_security_options = nonsense\n", "smtp_sasl_security_options"},
                            std::pair{"smtp_bind_address = ::1\n", "smtp_bind_address: not an IPv4 address"}}) {
    dir.write("main.cf", std::string("inet_protocols = ipv4\n") + line);
    dir.write("master.cf", "smtp unix - - n - - smtp\n");
    auto c = config::load(config::LoadOptions{dir.path()});
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto a = make_client_agent({**c, (*c)->services.at(0)}, false, nullptr);
    ASSERT_FALSE(a.ok()) << line;
    EXPECT_NE(a.error().message.find(want), std::string::npos) << a.error().message;
  }
}

TEST_F(SmtpAgent, MalformedPolicyTableEntryDefers) {
  testing::LoopbackServer server;
  auto a = agent({"127.0.0.1"}, "smtp_tls_policy_maps = inline:{ example.net=sometimes }\n");
  Outcome out = a->deliver({msg, {0}, "smtp", "example.net"});
  EXPECT_EQ(out.results[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out.results[0].dsn, "4.3.0");
  EXPECT_NE(out.results[0].text.find("invalid TLS security level \"sometimes\""), std::string::npos)
      << out.results[0].text;
  EXPECT_EQ(server.connections(), 0);
}

TEST_F(SmtpAgent, BadNexthopDefers) {
  auto a = agent({"127.0.0.1"});
  Outcome out = a->deliver({msg, {0}, "smtp", "[unclosed"});
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out.results[0].dsn, "4.3.5");
  EXPECT_FALSE(out.destination_failed);
}

}  // namespace
}  // namespace tern::delivery::smtp
