// The smtp agent at smtp_tls_security_level = dane / dane-only, end to end in process: an
// injected HostResolver says how secure the MX and address lookups were, the in-memory
// resolver serves the TLSA records, and a STARTTLS server on loopback presents the test
// CA's certificate for mx.example.test. Good DANE-EE and DANE-TA records deliver over
// verified TLS, a mismatch and a bogus TLSA answer defer with 4.7.5 before any mail moves,
// a secure zone without TLSA and an insecure MX fall back to opportunistic TLS.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "../tls/pki_fixture.hpp"
#include "config/config.hpp"
#include "delivery/smtp/agent.hpp"
#include "delivery/smtp/hosts.hpp"
#include "dns/memory_resolver.hpp"
#include "tls/dane.hpp"
#include "tlsrpt/store.hpp"
#include "tls_loopback_server.hpp"

namespace tern::delivery::smtp {
namespace {

namespace pk = tern::tls::testing;

class SecureHosts : public HostResolver {
 public:
  SecureHosts(bool mx_secure, bool addr_secure) : mx_(mx_secure), addr_(addr_secure) {}
  Resolution resolve(const Nexthop&) const override {
    Resolution r;
    r.hosts.push_back({"mx.example.test", *IpAddress::parse("127.0.0.1"), mx_, addr_, ""});
    return r;
  }

 private:
  bool mx_, addr_;
};

std::shared_ptr<SSL_CTX> server_ctx() {
  const pk::Pki& k = pk::pki();
  std::shared_ptr<SSL_CTX> c(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  SSL_CTX_use_certificate(c.get(), k.rsa_cert.get());
  SSL_CTX_use_PrivateKey(c.get(), k.rsa_key.get());
  SSL_CTX_add1_chain_cert(c.get(), k.ca.get());
  return c;
}

std::string tlsa(uint8_t usage, uint8_t selector, uint8_t mtype, X509* cert) {
  auto d = tls::parse_dane_digests({"sha512", "sha256"});
  return fmt::format("{} {} {} {}", usage, selector, mtype, dns::to_hex(*tls::association_data(cert, selector, mtype, *d)));
}

struct SmtpAgentDane : ::testing::Test {
  tern::testing::TempDir dir;
  std::shared_ptr<const config::Config> cfg;
  std::shared_ptr<dns::MemoryResolver> dns = std::make_shared<dns::MemoryResolver>();
  testing::TlsLoopbackServer server{server_ctx()};
  Message msg;

  void SetUp() override { dns->set_security("example.test", dns::Security::secure); }
  void publish(const std::string& record) {
    ASSERT_TRUE(dns->add("_" + std::to_string(server.port()) + "._tcp.mx.example.test", "TLSA", record).ok());
  }
  Outcome send(std::string level = "dane", bool mx_secure = true, bool addr_secure = true, std::string extra = "") {
    dir.write("main.cf", "myhostname = mail.example.test\nqueue_directory = " + dir.file("spool") +
                             "\ninet_protocols = ipv4\nsmtp_connection_cache_on_demand = no\n"
                             "smtp_tls_security_level = " + level + "\n" + extra);
    dir.write("master.cf", "smtp unix - - n - - smtp\n");
    auto c = config::load(config::LoadOptions{dir.path()});
    EXPECT_TRUE(c.ok()) << c.error().message;
    cfg = *c;
    auto a = make_client_agent({*cfg, cfg->services.at(0)}, false, std::make_shared<SecureHosts>(mx_secure, addr_secure), dns);
    EXPECT_TRUE(a.ok()) << a.error().message;
    msg.envelope.sender = "a@example.test";
    msg.envelope.recipients = {Recipient{"b@example.test"}};
    msg.content = "Subject: t\n\nhello\n";
    return (*a)->deliver({msg, {0}, "smtp", "example.test:" + std::to_string(server.port())});
  }
  std::string relay() const { return "mx.example.test[127.0.0.1]:" + std::to_string(server.port()); }
};

TEST_F(SmtpAgentDane, GoodDaneEeRecordDeliversOverTls) {
  publish(tlsa(3, 1, 1, pk::pki().rsa_cert.get()));
  auto out = send();
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].kind, DeliveryResult::sent) << out.results[0].text;
  EXPECT_EQ(server.tls_messages(), 1);
}

TEST_F(SmtpAgentDane, GoodDaneTaRecordWithTheChainDelivers) {
  publish(tlsa(2, 1, 1, pk::pki().ca.get()));
  auto out = send("dane-only");
  EXPECT_EQ(out.results[0].kind, DeliveryResult::sent) << out.results[0].text;
  EXPECT_EQ(server.tls_messages(), 1);
}

TEST_F(SmtpAgentDane, MismatchedRecordDefers) {
  publish(tlsa(3, 1, 1, pk::pki().ec_cert.get()));
  auto out = send();
  EXPECT_EQ(out.results[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out.results[0].dsn, "4.7.5");
  EXPECT_EQ(out.results[0].text, "Server certificate not verified for host " + relay());
  EXPECT_EQ(server.messages(), 0);
}

TEST_F(SmtpAgentDane, SecureZoneWithoutTlsaIsOpportunistic) {
  auto out = send();
  EXPECT_EQ(out.results[0].kind, DeliveryResult::sent) << out.results[0].text;
  EXPECT_EQ(server.tls_messages(), 1);
  auto only = send("dane-only");
  EXPECT_EQ(only.results[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(only.results[0].dsn, "4.7.5");
  EXPECT_NE(only.results[0].text.find("no TLSA records"), std::string::npos) << only.results[0].text;
}

TEST_F(SmtpAgentDane, BogusTlsaDefersBeforeConnecting) {
  publish(tlsa(3, 1, 1, pk::pki().rsa_cert.get()));
  dns->set_security("example.test", dns::Security::bogus);
  auto out = send();
  EXPECT_EQ(out.results[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out.results[0].dsn, "4.7.5");
  EXPECT_NE(out.results[0].text.find("TLSA lookup error for _" + std::to_string(server.port()) + "._tcp.mx.example.test"),
            std::string::npos)
      << out.results[0].text;
  EXPECT_EQ(server.messages(), 0);
}

TEST_F(SmtpAgentDane, InsecureMxIgnoresEvenAWrongRecord) {
  publish(tlsa(3, 1, 1, pk::pki().ec_cert.get()));
  auto out = send("dane", false, true);
  EXPECT_EQ(out.results[0].kind, DeliveryResult::sent) << out.results[0].text;
  auto only = send("dane-only", false, true);
  EXPECT_EQ(only.results[0].kind, DeliveryResult::deferred);
}

TEST_F(SmtpAgentDane, RequireTlsGoesOnlyWhereDaneVerifies) {
  msg.envelope.requiretls = true;
  auto out = send();  // secure zone, no TLSA: "may" is not enough for REQUIRETLS
  EXPECT_EQ(out.results[0].kind, DeliveryResult::bounced);
  EXPECT_EQ(out.results[0].dsn, "5.7.30");
  EXPECT_NE(out.results[0].text.find("DANE cannot verify host mx.example.test"), std::string::npos) << out.results[0].text;
  EXPECT_EQ(server.messages(), 0);
}

TEST_F(SmtpAgentDane, PolicyTableEntriesChooseDane) {
  publish(tlsa(3, 1, 1, pk::pki().ec_cert.get()));  // wrong: only DANE would notice
  EXPECT_EQ(send("may").results[0].kind, DeliveryResult::sent);
  auto out = send("may", true, true, "smtp_tls_policy_maps = inline:{ example.test=dane-only }\n");
  EXPECT_EQ(out.results[0].kind, DeliveryResult::deferred);
  EXPECT_EQ(out.results[0].text, "Server certificate not verified for host " + relay());
  EXPECT_EQ(server.messages(), 1);
}

TEST_F(SmtpAgentDane, InsecureMxPolicyIsChecked) {
  dir.write("main.cf", "smtp_tls_dane_insecure_mx_policy = sometimes\nqueue_directory = " + dir.file("spool") + "\n");
  dir.write("master.cf", "smtp unix - - n - - smtp\n");
  auto c = config::load(config::LoadOptions{dir.path()});
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto a = make_client_agent({**c, (*c)->services.at(0)}, false, std::make_shared<SecureHosts>(true, true), dns);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("smtp_tls_dane_insecure_mx_policy"), std::string::npos);
}

// TLS-RPT (smtp_tlsrpt_enable): each DANE outcome is counted under policy-type tlsa with
// its RFC 8460 result type, in today's day file.
struct SmtpAgentDaneTlsrpt : SmtpAgentDane {
  std::string counting() const {
    return "smtp_tlsrpt_enable = yes\ntlsrpt_database = " + dir.path() + "\n";
  }
  std::vector<tlsrpt::Event> counted() const {
    auto day = tlsrpt::read_day(dir.path(), tlsrpt::utc_day(std::time(nullptr)));
    EXPECT_TRUE(day.ok());
    EXPECT_EQ(day->malformed, 0u);
    return day->events;
  }
};

TEST_F(SmtpAgentDaneTlsrpt, CountsAVerifiedSessionUnderItsTlsaRecords) {
  std::string record = tlsa(3, 1, 1, pk::pki().rsa_cert.get());
  publish(record);
  EXPECT_EQ(send("dane", true, true, counting()).results[0].kind, DeliveryResult::sent);
  auto ev = counted();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_FALSE(ev[0].failure);
  EXPECT_EQ(ev[0].domain, "example.test");
  EXPECT_EQ(ev[0].policy.type, tlsrpt::PolicyType::tlsa);
  EXPECT_EQ(ev[0].policy.strings, std::vector<std::string>{record});
  EXPECT_EQ(ev[0].receiving_mx, "mx.example.test");
  EXPECT_EQ(ev[0].receiving_ip, "127.0.0.1");
}

TEST_F(SmtpAgentDaneTlsrpt, CountsEachFailureByType) {
  publish(tlsa(3, 1, 1, pk::pki().ec_cert.get()));
  EXPECT_EQ(send("dane", true, true, counting()).results[0].kind, DeliveryResult::deferred);  // mismatch
  dns->set_security("example.test", dns::Security::bogus);
  EXPECT_EQ(send("dane", true, true, counting()).results[0].kind, DeliveryResult::deferred);  // bogus TLSA
  auto ev = counted();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].failure, tlsrpt::ResultType::validation_failure);
  EXPECT_EQ(ev[0].policy.type, tlsrpt::PolicyType::tlsa);
  EXPECT_EQ(ev[1].failure, tlsrpt::ResultType::dnssec_invalid);
  EXPECT_EQ(server.messages(), 0);
}

TEST_F(SmtpAgentDaneTlsrpt, DaneOnlyWithoutRecordsIsDaneRequired) {
  EXPECT_EQ(send("dane-only", true, true, counting()).results[0].kind, DeliveryResult::deferred);
  auto ev = counted();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].failure, tlsrpt::ResultType::dane_required);
  EXPECT_EQ(ev[0].policy.type, tlsrpt::PolicyType::no_policy_found);
}

TEST_F(SmtpAgentDaneTlsrpt, CountsNothingWhenDisabled) {
  publish(tlsa(3, 1, 1, pk::pki().rsa_cert.get()));
  EXPECT_EQ(send("dane", true, true, "tlsrpt_database = " + dir.path() + "\n").results[0].kind, DeliveryResult::sent);
  EXPECT_TRUE(counted().empty());
}

}  // namespace
}  // namespace tern::delivery::smtp
