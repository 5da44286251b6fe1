// client_settings() (delivery/smtp/settings.hpp): the lmtp_* family for LMTP, smtp_* for
// SMTP, inet_protocols, and errors that name the parameter.
#include "delivery/smtp/settings.hpp"

#include <gtest/gtest.h>

namespace tern::delivery::smtp {
namespace {

config::Params params() {
  config::Params p;
  p.inet_protocols = {"all"};
  p.smtp_address_preference = "any";
  p.smtp_helo_timeout = std::chrono::seconds(11);
  p.lmtp_lhlo_timeout = std::chrono::seconds(22);
  p.smtp_helo_name = "smtp.example";
  p.lmtp_lhlo_name = "lmtp.example";
  p.smtp_tcp_port = "smtp";
  p.lmtp_tcp_port = "24";
  p.smtp_fallback_relay = "[a.example]:25, b.example";
  p.smtp_line_length_limit = 998;
  return p;
}

TEST(SmtpSettings, FamilyByProtocol) {
  auto s = client_settings(params(), false);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->dialogue.t.helo.count(), 11);
  EXPECT_EQ(s->dialogue.helo_name, "smtp.example");
  EXPECT_EQ(s->default_port, "smtp");
  EXPECT_EQ(s->fallback_relays, (std::vector<std::string>{"[a.example]:25", "b.example"}));
  auto l = client_settings(params(), true);
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->dialogue.lmtp);
  EXPECT_EQ(l->dialogue.t.helo.count(), 22);
  EXPECT_EQ(l->dialogue.helo_name, "lmtp.example");
  EXPECT_EQ(l->default_port, "24");
  EXPECT_TRUE(l->fallback_relays.empty());
}

TEST(SmtpSettings, InetProtocols) {
  auto p = params();
  p.inet_protocols = {"ipv4"};
  auto s = client_settings(p, false);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->ipv4);
  EXPECT_FALSE(s->ipv6);
  p.inet_protocols = {"ipv5"};
  s = client_settings(p, false);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "inet_protocols: unknown protocol \"ipv5\"");
  p = params();
  p.smtp_address_preference = "ipv7";
  EXPECT_FALSE(client_settings(p, false));
}

TEST(SmtpSettings, ProbesStopAfterRcpt) {
  auto p = params();
  for (const char* ok : {"", "rcpt", "RCPT"}) {
    p.smtp_address_verify_target = ok;
    EXPECT_TRUE(client_settings(p, false)) << ok;
  }
  p.smtp_address_verify_target = "data";
  auto s = client_settings(p, false);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "smtp_address_verify_target = data: only \"rcpt\" is supported (probes stop after RCPT TO)");
}

}  // namespace
}  // namespace tern::delivery::smtp
