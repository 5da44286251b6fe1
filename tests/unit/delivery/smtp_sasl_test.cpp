// The SASL client (delivery/smtp/sasl_client.hpp): options, mechanism choice, the password
// table lookup order, and the AUTH exchange over a scripted server.
#include "delivery/smtp/sasl_client.hpp"

#include <gtest/gtest.h>

#include "delivery/smtp/session.hpp"
#include "sasl/base64.hpp"
#include "scripted_peer.hpp"

namespace tern::delivery::smtp {
namespace {

TEST(SmtpSasl, Options) {
  auto o = parse_sasl_options({"noplaintext", "noanonymous"}, "smtp_sasl_security_options");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->noplaintext);
  EXPECT_TRUE(o->noanonymous);
  auto bad = parse_sasl_options({"nonsense"}, "smtp_sasl_security_options");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "smtp_sasl_security_options: unknown option \"nonsense\"");
}

TEST(SmtpSasl, MechanismChoice) {
  SaslCredentials c{"user", "pass"};
  auto p = plan_auth({"LOGIN", "PLAIN"}, {}, {}, c);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mechanism, "PLAIN");
  EXPECT_EQ(*p->initial, sasl::base64_encode(std::string("\0user\0pass", 10)));

  p = plan_auth({"LOGIN", "PLAIN"}, {"login"}, {}, c);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mechanism, "LOGIN");
  EXPECT_FALSE(p->initial);
  EXPECT_EQ(p->responses, (std::vector<std::string>{"dXNlcg==", "cGFzcw=="}));

  EXPECT_FALSE(plan_auth({"CRAM-MD5"}, {}, {}, c));
  SaslOptions noplain;
  noplain.noplaintext = true;
  auto refused = plan_auth({"PLAIN", "LOGIN"}, {}, noplain, c);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "no mechanism available");
}

TEST(SmtpSasl, LookupOrder) {
  config::Params p;
  p.smtp_sasl_password_maps = {"inline:{ [relay.example]:587=a:1, relay.example=b:2, mx.example=c:3:x }"};
  auto c = SaslClient::make(sasl_params(p, false), "/nonexistent");
  ASSERT_TRUE(c) << c.error().message;
  auto n = parse_nexthop("[relay.example]:587", "smtp", false);
  auto found = (*c)->lookup("[relay.example]:587", *n, "relay.example");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->user, "a");
  n = parse_nexthop("[relay.example]:25", "smtp", false);
  found = (*c)->lookup("[relay.example]:25", *n, "relay.example");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->user, "b");
  n = parse_nexthop("example.org", "smtp", false);
  found = (*c)->lookup("example.org", *n, "mx.example");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->user, "c");
  EXPECT_EQ((*found)->password, "3:x");  // only the first colon separates
  found = (*c)->lookup("example.org", *n, "other.example");
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
}

TEST(SmtpSasl, SenderDependentLookupComesFirst) {
  config::Params p;
  p.smtp_sasl_password_maps = {"inline:{ boss@example.test=boss:1, [relay.example]:587=a:1 }"};
  auto c = SaslClient::make(sasl_params(p, false), "/nonexistent");
  ASSERT_TRUE(c);
  auto n = parse_nexthop("[relay.example]:587", "smtp", false);
  auto found = (*c)->lookup("[relay.example]:587", *n, "relay.example", "Boss@example.test");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->user, "boss");
  found = (*c)->lookup("[relay.example]:587", *n, "relay.example", "other@example.test");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->user, "a");
}

TEST(SmtpSasl, AuthExchanges) {
  testing::ScriptedPeer peer;
  peer.script("EHLO", {"250-peer\r\n250 AUTH PLAIN LOGIN"});
  peer.script("AUTH", {"334 VXNlcm5hbWU6"});
  peer.script("dXNlcg==", {"334 UGFzc3dvcmQ6"});
  peer.script("cGFzcw==", {"235 2.7.0 Authentication successful"});
  Session s(peer, {}, "peer[127.0.0.1]");
  ASSERT_FALSE(s.open());
  EXPECT_EQ(s.features().auth, (std::vector<std::string>{"PLAIN", "LOGIN"}));
  EXPECT_FALSE(s.auth("LOGIN", std::nullopt, {"dXNlcg==", "cGFzcw=="}));
  EXPECT_EQ(peer.commands.back(), "cGFzcw==");

  peer.replies["AUTH"] = {"535 5.7.8 Error: authentication failed: bad\r\n"};
  auto err = s.auth("PLAIN", std::string("AHVzZXIAcGFzcw=="), {});
  ASSERT_TRUE(err);
  EXPECT_EQ(peer.commands.back(), "AUTH PLAIN AHVzZXIAcGFzcw==");
  EXPECT_EQ(err->text, "SASL authentication failed; server peer[127.0.0.1] said: 535 5.7.8 Error: authentication "
                       "failed: bad");
  EXPECT_EQ(err->dsn, "5.7.8");
}

}  // namespace
}  // namespace tern::delivery::smtp
