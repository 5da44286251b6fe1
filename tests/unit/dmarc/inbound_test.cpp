// The inbound checks as ternd's end of DATA and `tern check dmarc` run them: DKIM verified
// from the message, DMARC evaluated from those results and the caller's SPF result, the
// action and the Authentication-Results field; and the options from the parameters.
#include "dmarc/inbound.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "dns/blocking.hpp"
#include "dns/memory_resolver.hpp"

namespace tern::dmarc {
namespace {

class DmarcInbound : public ::testing::Test {
 protected:
  void SetUp() override {
    // RFC 8463's example message: an ed25519 signature by football.example.com that
    // verifies, and an RSA one whose key is missing here (permerror).
    std::FILE* f = std::fopen((std::string(TERN_SOURCE_DIR) + "/tests/data/dkimpy-data/rfc6376.signed.msg").c_str(), "rb");
    ASSERT_NE(f, nullptr);
    for (int c; (c = std::fgetc(f)) != EOF;)
      if (c != '\r') msg += char(c);
    std::fclose(f);
    ASSERT_TRUE(r.add("brisbane._domainkey.football.example.com", "TXT",
                      "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").ok());
    ASSERT_TRUE(r.add("_dmarc.football.example.com", "TXT", "v=DMARC1; p=reject").ok());
    opt.authserv_id = "mx.receiver.test";
    opt.dkim_verify = true;
    opt.dmarc.mode = Mode::enforce;
  }

  InboundResult run(const std::string& content, SpfResult spf = SpfResult::fail) {
    SpfInput s{spf, "football.example.com", false, "joe@football.example.com", ""};
    return dns::run_blocking(r, [&](dns::Resolver& rr) { return authenticate(rr, opt, content, s); });
  }

  dns::MemoryResolver r;
  InboundOptions opt;
  std::string msg;
};

TEST_F(DmarcInbound, AlignedSignaturePassesDespiteSpfFail) {
  auto got = run(msg);
  ASSERT_EQ(got.signatures.size(), 2u);
  EXPECT_EQ(got.signatures[0].result, dkim::Outcome::pass) << got.signatures[0].reason;
  ASSERT_TRUE(got.results.dmarc);
  EXPECT_EQ(got.results.dmarc->result, Outcome::pass);
  EXPECT_EQ(got.disposition.action, Action::accept);
  std::string field = build_auth_results(got.results);
  EXPECT_TRUE(field.starts_with("Authentication-Results: mx.receiver.test;")) << field;
  EXPECT_NE(field.find("spf=fail"), std::string::npos) << field;
  EXPECT_NE(field.find("dkim=pass"), std::string::npos) << field;
  EXPECT_NE(field.find("dmarc=pass"), std::string::npos) << field;
}

TEST_F(DmarcInbound, TamperedMessageIsRejectedWhenEnforced) {
  std::string tampered = msg;
  size_t at = tampered.find("\n\n");
  ASSERT_NE(at, std::string::npos);
  tampered.insert(at + 2, "P.S. wire the money.\n");
  auto got = run(tampered);
  EXPECT_EQ(got.signatures[0].result, dkim::Outcome::fail);
  EXPECT_EQ(got.results.dmarc->result, Outcome::fail);
  EXPECT_EQ(got.disposition.action, Action::reject);
  EXPECT_EQ(got.disposition.reply, "550 5.7.1 Message rejected per DMARC policy for football.example.com");
  opt.dmarc.mode = Mode::report;  // evaluated, never acted on
  EXPECT_EQ(run(tampered).disposition.action, Action::accept);
}

TEST_F(DmarcInbound, WithoutDkimVerificationOnlySpfCounts) {
  opt.dkim_verify = false;
  auto got = run(msg);
  EXPECT_TRUE(got.signatures.empty());
  EXPECT_TRUE(got.results.dkim.empty());
  EXPECT_EQ(got.results.dmarc->result, Outcome::fail);
  EXPECT_EQ(run(msg, SpfResult::pass).results.dmarc->result, Outcome::pass);
}

TEST_F(DmarcInbound, UnsignedMessageIsDkimNone) {
  auto got = run("From: joe@football.example.com\nSubject: hi\n\nhello\n");
  EXPECT_TRUE(got.signatures.empty());
  EXPECT_EQ(got.results.dmarc->result, Outcome::fail);
  std::string field = build_auth_results(got.results);
  EXPECT_NE(field.find("dkim=none (message not signed)"), std::string::npos) << field;
}

TEST_F(DmarcInbound, DmarcOffAsksNoPolicy) {
  opt.dmarc.mode = Mode::off;
  auto got = run(msg);
  EXPECT_FALSE(got.results.dmarc);
  EXPECT_EQ(got.disposition.action, Action::accept);
  EXPECT_EQ(build_auth_results(got.results).find("dmarc="), std::string::npos);
}

TEST(DmarcInboundOptions, FromParameters) {
  config::Params p;
  p.authres_authserv_id = "mx.example.org";
  p.dkim_verify_enable = true;
  p.dkim_verify_signature_limit = 2;
  p.dkim_min_key_bits = 2048;
  p.dkim_allow_rsa_sha1 = true;
  p.dmarc_mode = "enforce";
  p.dmarc_quarantine_action = "header";
  p.dmarc_quarantine_header = "X-Spam-Flag: YES";
  p.dmarc_discovery_method = "rfc9989";
  auto o = inbound_options(p);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->authserv_id, "mx.example.org");
  EXPECT_TRUE(o->dkim_verify);
  EXPECT_EQ(o->dkim.signature_limit, 2u);
  EXPECT_EQ(o->dkim.min_key_bits, 2048);
  EXPECT_TRUE(o->dkim.allow_rsa_sha1);
  EXPECT_EQ(o->dmarc.mode, Mode::enforce);
  p.dmarc_mode = "on";
  ASSERT_FALSE(inbound_options(p).ok());
  EXPECT_NE(inbound_options(p).error().message.find("dmarc_mode"), std::string::npos);
}

}  // namespace
}  // namespace tern::dmarc
