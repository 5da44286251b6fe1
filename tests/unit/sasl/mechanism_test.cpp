// PLAIN and LOGIN state machines, the AUTH command checks, replies and base64.
#include <gtest/gtest.h>

#include <string>

#include "sasl/base64.hpp"
#include "sasl/command.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/reply.hpp"

namespace tern::sasl {
namespace {

using namespace std::string_literals;
using Kind = Step::Kind;

std::string b64(std::string_view s) { return base64_encode(s); }

TEST(SaslBase64, RoundTripsAndRejectsNonCanonicalText) {
  for (std::string s : {""s, "a"s, "ab"s, "abc"s, "\0alice\0secret"s, std::string(300, '\xff')})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("\0alice\0secret"s), "AGFsaWNlAHNlY3JldA==");
  EXPECT_EQ(base64_decode("VXNlcm5hbWU6"), "Username:");
  for (const char* bad : {"A", "AB=", "AB=C", "A===", "AB C", "AB\r\nCD", "AB!D", "=AAA",
                          "QUI=QUI=", "QR==", "QUJ="}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(base64_decode(bad));
  }
}

TEST(PlainMechanism, InitialResponse) {
  PlainMechanism m;
  Step s = m.start(b64("\0alice\0s3cret"s));
  ASSERT_EQ(s.kind, Kind::credentials);
  EXPECT_EQ(s.credentials.authzid, "");
  EXPECT_EQ(s.credentials.authcid, "alice");
  EXPECT_EQ(s.credentials.password, "s3cret");
}

TEST(PlainMechanism, EmptyChallengeThenResponse) {
  PlainMechanism m;
  Step s = m.start(std::nullopt);
  ASSERT_EQ(s.kind, Kind::challenge);
  EXPECT_EQ(s.challenge, "");
  EXPECT_EQ(make_reply(ReplyKind::challenge, s.challenge).wire(), "334 \r\n");
  s = m.respond(b64("alice\0alice\0pw"s));
  ASSERT_EQ(s.kind, Kind::credentials);
  EXPECT_EQ(s.credentials.authzid, "alice");  // equal to authcid: fine without proxying
}

TEST(PlainMechanism, EqualsSignIsAnEmptyInitialResponseAndFails) {
  PlainMechanism m;
  Step s = m.start(std::string());
  ASSERT_EQ(s.kind, Kind::reply);
  EXPECT_EQ(s.reply.wire(), "535 5.7.8 Error: authentication failed: malformed PLAIN response\r\n");
}

TEST(PlainMechanism, MalformedResponses) {
  for (std::string msg : {"alice"s, "\0alice"s, "\0alice\0pw\0x"s, "\0\0pw"s, "\0alice\0"s}) {
    PlainMechanism m;
    Step s = m.start(b64(msg));
    ASSERT_EQ(s.kind, Kind::reply) << msg;
    EXPECT_EQ(s.reply.code, 535);
    EXPECT_EQ(s.reply.enhanced, "5.7.8");
  }
}

TEST(PlainMechanism, BadBase64) {
  PlainMechanism m;
  Step s = m.start("AGFsaWNl!!!");
  ASSERT_EQ(s.kind, Kind::reply);
  EXPECT_EQ(s.reply.wire(), "501 5.5.2 Invalid base64 data in initial response\r\n");
  PlainMechanism m2;
  ASSERT_EQ(m2.start(std::nullopt).kind, Kind::challenge);
  EXPECT_EQ(m2.respond("not base64").reply.wire(), "501 5.5.2 Invalid base64 data in continued response\r\n");
}

TEST(PlainMechanism, CancelWithStar) {
  PlainMechanism m;
  ASSERT_EQ(m.start(std::nullopt).kind, Kind::challenge);
  Step s = m.respond("*");
  ASSERT_EQ(s.kind, Kind::reply);
  EXPECT_EQ(s.reply.wire(), "501 5.7.0 Authentication aborted\r\n");
}

TEST(PlainMechanism, TooLong) {
  MechanismOptions o;
  o.response_limit = 64;
  PlainMechanism m(o);
  ASSERT_EQ(m.start(std::nullopt).kind, Kind::challenge);
  Step s = m.respond(std::string(68, 'A'));
  EXPECT_EQ(s.reply.wire(), "500 5.5.6 SASL response limit exceeded\r\n");
  PlainMechanism m2(o);
  EXPECT_EQ(m2.start(std::string(68, 'A')).reply.code, 500);

  MechanismOptions f;
  f.max_field = 8;
  PlainMechanism m3(f);
  Step t = m3.start(b64("\0alice\0" + std::string(9, 'p')));
  ASSERT_EQ(t.kind, Kind::reply);
  EXPECT_EQ(t.reply.code, 535);
}

TEST(PlainMechanism, AuthzidMismatchRefusedUnlessProxyAllowed) {
  PlainMechanism m;
  Step s = m.start(b64("bob\0alice\0pw"s));
  ASSERT_EQ(s.kind, Kind::reply);
  EXPECT_EQ(s.reply.wire(),
            "535 5.7.8 Error: authentication failed: authorization identity not permitted\r\n");
  MechanismOptions o;
  o.allow_proxy = true;
  PlainMechanism p(o);
  Step t = p.start(b64("bob\0alice\0pw"s));
  ASSERT_EQ(t.kind, Kind::credentials);
  EXPECT_EQ(t.credentials.authzid, "bob");
}

TEST(PlainMechanism, NoSecondResponse) {
  PlainMechanism m;
  ASSERT_EQ(m.start(b64("\0a\0b"s)).kind, Kind::credentials);
  EXPECT_EQ(m.respond(b64("\0a\0b"s)).kind, Kind::reply);
}

TEST(LoginMechanism, UsernameAndPasswordChallenges) {
  LoginMechanism m;
  Step s = m.start(std::nullopt);
  ASSERT_EQ(s.kind, Kind::challenge);
  EXPECT_EQ(make_reply(ReplyKind::challenge, s.challenge).wire(), "334 VXNlcm5hbWU6\r\n");
  s = m.respond(b64("alice"));
  ASSERT_EQ(s.kind, Kind::challenge);
  EXPECT_EQ(s.challenge, "UGFzc3dvcmQ6");
  s = m.respond(b64("pass word"));
  ASSERT_EQ(s.kind, Kind::credentials);
  EXPECT_EQ(s.credentials.authcid, "alice");
  EXPECT_EQ(s.credentials.password, "pass word");
  EXPECT_EQ(s.credentials.authzid, "");
}

TEST(LoginMechanism, InitialResponseIsTheUsername) {
  LoginMechanism m;
  Step s = m.start(b64("alice"));
  ASSERT_EQ(s.kind, Kind::challenge);
  EXPECT_EQ(s.challenge, "UGFzc3dvcmQ6");
  s = m.respond(b64("pw"));
  ASSERT_EQ(s.kind, Kind::credentials);
  EXPECT_EQ(s.credentials.authcid, "alice");
}

TEST(LoginMechanism, ErrorsAtEachStep) {
  {
    LoginMechanism m;
    m.start(std::nullopt);
    EXPECT_EQ(m.respond("*").reply.code, 501);
  }
  {
    LoginMechanism m;
    m.start(std::nullopt);
    m.respond(b64("alice"));
    EXPECT_EQ(m.respond("*").reply.wire(), "501 5.7.0 Authentication aborted\r\n");
  }
  {
    LoginMechanism m;
    m.start(std::nullopt);
    m.respond(b64("alice"));
    EXPECT_EQ(m.respond("@@@@").reply.enhanced, "5.5.2");
  }
  {
    LoginMechanism m;
    m.start(std::nullopt);
    EXPECT_EQ(m.respond("").reply.code, 535);  // empty user name
  }
  {
    LoginMechanism m;
    m.start(std::nullopt);
    EXPECT_EQ(m.respond(b64("al\0ice"s)).reply.code, 535);
  }
}

TEST(SaslRegistry, MakesKnownMechanismsCaseInsensitively) {
  EXPECT_EQ(make_mechanism("plain")->name(), "PLAIN");
  EXPECT_EQ(make_mechanism("Login")->name(), "LOGIN");
  EXPECT_EQ(make_mechanism("CRAM-MD5"), nullptr);
  EXPECT_EQ(implemented_mechanisms(), (std::vector<std::string>{"PLAIN", "LOGIN"}));
}

TEST(SaslCommand, ParsesMechanismAndInitialResponse) {
  std::vector<std::string> offered{"PLAIN", "LOGIN"};
  auto r = parse_auth_command("plain AGFsaWNlAHB3", offered);
  ASSERT_TRUE(std::holds_alternative<AuthCommand>(r));
  EXPECT_EQ(std::get<AuthCommand>(r).mechanism, "PLAIN");
  EXPECT_EQ(std::get<AuthCommand>(r).initial_response, "AGFsaWNlAHB3");
  r = parse_auth_command("LOGIN", offered);
  EXPECT_FALSE(std::get<AuthCommand>(r).initial_response);
  r = parse_auth_command("PLAIN =", offered);
  EXPECT_EQ(std::get<AuthCommand>(r).initial_response, "");
}

TEST(SaslCommand, SyntaxAndUnknownMechanism) {
  std::vector<std::string> offered{"PLAIN"};
  EXPECT_EQ(std::get<Reply>(parse_auth_command("", offered)).wire(), "501 5.5.4 Syntax: AUTH mechanism\r\n");
  EXPECT_EQ(std::get<Reply>(parse_auth_command("PLAIN a b", offered)).code, 501);
  EXPECT_EQ(std::get<Reply>(parse_auth_command("CRAM-MD5", offered)).wire(),
            "504 5.5.4 Unrecognized authentication type\r\n");
  EXPECT_EQ(std::get<Reply>(parse_auth_command("LOGIN", offered)).code, 504);  // not offered
}

TEST(SaslCommand, GateInPostfixOrder) {
  AuthGate g;
  EXPECT_EQ(check_auth_allowed(g)->wire(), "503 5.5.1 Error: authentication not enabled\r\n");
  g.enabled = true;
  EXPECT_FALSE(check_auth_allowed(g));
  g.authenticated = true;
  EXPECT_EQ(check_auth_allowed(g)->wire(), "503 5.5.1 Error: already authenticated\r\n");
  g.tls_required = true;
  EXPECT_EQ(check_auth_allowed(g)->wire(),
            "504 5.5.4 Encryption required for requested authentication mechanism\r\n");
  g.in_transaction = true;
  EXPECT_EQ(check_auth_allowed(g)->wire(), "503 5.5.1 Error: MAIL transaction in progress\r\n");
  g = AuthGate{true, false, true, true, false};
  EXPECT_FALSE(check_auth_allowed(g));
}

TEST(SaslReply, PostfixTexts) {
  EXPECT_EQ(make_reply(ReplyKind::success).wire(), "235 2.7.0 Authentication successful\r\n");
  EXPECT_EQ(make_reply(ReplyKind::failed, "bad\r\npassword").wire(),
            "535 5.7.8 Error: authentication failed: bad??password\r\n");
  EXPECT_EQ(make_reply(ReplyKind::failed).wire(),
            "535 5.7.8 Error: authentication failed: (reason unavailable)\r\n");
  EXPECT_EQ(make_reply(ReplyKind::tempfail, "Connection lost to authentication server").wire(),
            "454 4.7.0 Temporary authentication failure: Connection lost to authentication server\r\n");
  EXPECT_EQ(make_reply(ReplyKind::failed, std::string(300, 'x')).text.size(),
            std::string("Error: authentication failed: ").size() + 100);
}

}  // namespace
}  // namespace tern::sasl
