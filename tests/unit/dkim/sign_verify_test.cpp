// Signing and verifying each other: rsa-sha256 and ed25519-sha256, both canonicalizations,
// dual signing, then what verification must catch (changed body or header, added From,
// l=, expiry, key record flags and limits, DNS failures, the signature limit).
#include <gtest/gtest.h>

#include "dkim/crypto.hpp"
#include "dkim/sign.hpp"
#include "dkim/verify.hpp"
#include "dns/memory_resolver.hpp"

namespace tern::dkim {
namespace {

const std::string kData = std::string(TERN_SOURCE_DIR) + "/tests/data/dkimpy-data/";
constexpr const char* kMessage =
    "Received: from somewhere\n"
    "From: Joe <joe@example.com>\n"
    "To: Suzie <suzie@example.net>\n"
    "Subject: dinner  \n\tis ready\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700\n"
    "\n"
    "Hi.\n\n  We lost the game.\t\n\n\n";

class DkimSignVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    rsa = {"example.com", "test", *load_private_key(kData + "test.private"), ""};
    ed = {"example.com", "ed", *load_private_key(kData + "ed25519test.key"), ""};
    publish(rsa, "");
    publish(ed, "");
  }
  void publish(const SigningKey& k, const std::string& extra) {
    std::string type = key_type(k.key) == KeyType::ed25519 ? "ed25519" : "rsa";
    dns.add_txt(k.selector + "._domainkey." + k.domain,
                {"v=DKIM1; k=" + type + "; " + extra + "p=" + public_key_record_data(k.key)});
  }
  std::string signed_by(const SigningKey& k, std::string msg = kMessage) {
    auto f = sign_message(msg, k, opt);
    EXPECT_TRUE(f.ok()) << f.error().message;
    return *f + msg;
  }
  std::vector<SignatureResult> check(const std::string& msg) { return verify_message(msg, dns, vopt); }

  dns::MemoryResolver dns;
  SigningKey rsa, ed;
  SignOptions opt{Canon::relaxed, Canon::relaxed, {"from", "to", "subject", "date", "message-id"}, {"from"}, 0, 0};
  VerifyOptions vopt;
};

TEST_F(DkimSignVerify, RoundTripsEveryAlgorithmAndCanonicalization) {
  for (Canon h : {Canon::simple, Canon::relaxed})
    for (Canon b : {Canon::simple, Canon::relaxed})
      for (const SigningKey* k : {&rsa, &ed}) {
        opt.header_canon = h;
        opt.body_canon = b;
        auto res = check(signed_by(*k));
        ASSERT_EQ(res.size(), 1u);
        EXPECT_EQ(res[0].result, Outcome::pass) << canon_name(h) << "/" << canon_name(b) << ": " << res[0].reason;
      }
}

TEST_F(DkimSignVerify, SignatureFieldHasTheListedTagsAndOversignsFrom) {
  opt.ttl = 3600;
  opt.now = 1000;
  auto f = sign_message(kMessage, ed, opt);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->rfind("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed;", 0), 0u) << *f;
  EXPECT_NE(f->find("t=1000; x=4600;"), std::string::npos) << *f;
  EXPECT_NE(f->find("h=from:from:to:subject:date;"), std::string::npos) << *f;  // no message-id present
  for (size_t pos = 0, nl; (nl = f->find('\n', pos)) != std::string::npos; pos = nl + 1)
    EXPECT_LE(nl - pos, 78u) << *f;
  EXPECT_EQ(f->back(), '\n');
}

TEST_F(DkimSignVerify, DualSigningPassesTwice) {
  std::string msg = *sign_message(kMessage, rsa, opt) + *sign_message(kMessage, ed, opt) + kMessage;
  auto res = check(msg);
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0].result, Outcome::pass) << res[0].reason;
  EXPECT_EQ(res[1].result, Outcome::pass) << res[1].reason;
  EXPECT_EQ(res[0].algorithm, "rsa-sha256");
  EXPECT_EQ(res[1].algorithm, "ed25519-sha256");
}

TEST_F(DkimSignVerify, CatchesChanges) {
  std::string good = signed_by(rsa);
  std::string body = good;
  body.replace(body.find("lost"), 4, "won!");
  EXPECT_EQ(check(body)[0].result, Outcome::fail);
  EXPECT_EQ(check(body)[0].reason, "body hash mismatch");
  std::string header = good;
  header.replace(header.find("Suzie <"), 5, "Susan");
  EXPECT_EQ(check(header)[0].result, Outcome::fail);
  EXPECT_EQ(check(header)[0].reason, "signature did not verify");
  // Over-signed From: a second From added anywhere breaks the signature.
  std::string added = good;
  added.insert(added.find("To:"), "From: mallory@evil.example\n");
  EXPECT_EQ(check(added)[0].result, Outcome::fail);
  // An unsigned header may be added; relaxed changes in whitespace are fine.
  std::string other = good;
  other.insert(other.find("To:"), "X-Mailer: whatever\n");
  other.replace(other.find("dinner  "), 8, "dinner \t");
  EXPECT_EQ(check(other)[0].result, Outcome::pass) << check(other)[0].reason;
}

TEST_F(DkimSignVerify, SimpleCanonicalizationIsStrict) {
  opt.header_canon = Canon::simple;
  opt.body_canon = Canon::simple;
  std::string msg = signed_by(rsa);
  std::string ws = msg;
  ws.replace(ws.find("dinner  "), 8, "dinner \t");
  EXPECT_EQ(check(ws)[0].result, Outcome::fail);
  std::string trailing = msg + "\n\n";  // trailing empty lines do not count
  EXPECT_EQ(check(trailing)[0].result, Outcome::pass);
}

// A signature with l= put in afterwards (its b= no longer matches; the body check comes first).
std::string with_length(const std::string& signed_msg, uint64_t l) {
  std::string out = signed_msg;
  out.insert(out.find("bh="), "l=" + std::to_string(l) + "; ");
  return out;
}

TEST_F(DkimSignVerify, LengthLongerThanTheBodyFails) {
  // The body hash check comes first, so a made-up l= is refused before any signature check.
  std::string msg = with_length(signed_by(rsa), 1000);
  auto res = check(msg);
  EXPECT_EQ(res[0].result, Outcome::fail);
  EXPECT_EQ(res[0].reason, "l= is longer than the body");
}

TEST_F(DkimSignVerify, AppendedBodyFailsWithoutLength) {
  // Our signatures carry no l=: anything added to the body breaks them (the verifier's l=
  // handling is exercised by dkimpy's l= signatures in test_dkim.py).
  std::string msg = signed_by(rsa);
  EXPECT_EQ(check(msg)[0].result, Outcome::pass);
  EXPECT_EQ(check(msg + "appended\n")[0].result, Outcome::fail);
  EXPECT_EQ(check(msg + "\n\n")[0].result, Outcome::pass);  // empty lines at the end do not count
}

TEST_F(DkimSignVerify, NoFromNoSignature) {
  auto f = sign_message("To: a@example.org\n\nbody\n", rsa, opt);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("no From"), std::string::npos);
}

TEST_F(DkimSignVerify, KeyRecordFlagsAndLimits) {
  std::string msg = signed_by(rsa);
  dns::MemoryResolver testing;
  testing.add_txt("test._domainkey.example.com", {"v=DKIM1; t=y; p=" + public_key_record_data(rsa.key)});
  auto res = verify_message(msg, testing, vopt);
  EXPECT_EQ(res[0].result, Outcome::pass);
  EXPECT_TRUE(res[0].testing);
  vopt.min_key_bits = 2048;
  res = verify_message(msg, testing, vopt);
  EXPECT_EQ(res[0].result, Outcome::permerror);
  EXPECT_EQ(res[0].reason, "1024-bit key is below dkim_min_key_bits");
}

TEST_F(DkimSignVerify, RevokedWrongTypeAndMissingKeys) {
  std::string msg = signed_by(rsa);
  dns::MemoryResolver revoked;
  revoked.add_txt("test._domainkey.example.com", {"v=DKIM1; p="});
  auto res = verify_message(msg, revoked, vopt);
  EXPECT_EQ(res[0].result, Outcome::permerror);
  EXPECT_EQ(res[0].reason, "key revoked");
  dns::MemoryResolver wrong;
  wrong.add_txt("test._domainkey.example.com", {"v=DKIM1; k=ed25519; p=" + public_key_record_data(ed.key)});
  EXPECT_EQ(verify_message(msg, wrong, vopt)[0].result, Outcome::permerror);
  dns::MemoryResolver none;
  none.add_txt("example.com", {"unrelated"});
  EXPECT_EQ(verify_message(msg, none, vopt)[0].result, Outcome::permerror);
  dns::MemoryResolver down;
  down.fail("test._domainkey.example.com", dns::Type::TXT);
  EXPECT_EQ(verify_message(msg, down, vopt)[0].result, Outcome::temperror);
  dns::MemoryResolver sha1only;
  sha1only.add_txt("test._domainkey.example.com", {"v=DKIM1; h=sha1; p=" + public_key_record_data(rsa.key)});
  EXPECT_EQ(verify_message(msg, sha1only, vopt)[0].result, Outcome::permerror);
}

TEST_F(DkimSignVerify, StrictIdentityFlag) {
  rsa.identity = "joe@mail.example.com";
  std::string msg = signed_by(rsa);
  EXPECT_EQ(check(msg)[0].result, Outcome::pass);
  dns::MemoryResolver strict;
  strict.add_txt("test._domainkey.example.com", {"v=DKIM1; t=s; p=" + public_key_record_data(rsa.key)});
  auto res = verify_message(msg, strict, vopt);
  EXPECT_EQ(res[0].result, Outcome::permerror);
  EXPECT_EQ(res[0].identity, "joe@mail.example.com");
}

TEST_F(DkimSignVerify, TimestampsWithSkew) {
  opt.now = 1000000;
  opt.ttl = 600;
  std::string msg = signed_by(ed);
  vopt.now = 1000000 + 600 + 299;
  EXPECT_EQ(check(msg)[0].result, Outcome::pass);
  vopt.now = 1000000 + 600 + 301;
  EXPECT_EQ(check(msg)[0].reason, "signature expired");
  vopt.now = 1000000 - 301;
  EXPECT_EQ(check(msg)[0].reason, "signature timestamp in the future");
  vopt.clock_skew = 0;
  vopt.now = 1000000 - 1;
  EXPECT_EQ(check(msg)[0].result, Outcome::neutral);
}

TEST_F(DkimSignVerify, Rsa1RefusedBeforeAnyLookup) {
  std::string msg = signed_by(rsa);
  size_t a = msg.find("a=rsa-sha256");
  msg.replace(a, 12, "a=rsa-sha1");
  size_t before = dns.queries();
  auto res = check(msg);
  EXPECT_EQ(res[0].result, Outcome::permerror);
  EXPECT_EQ(dns.queries(), before);
  vopt.allow_rsa_sha1 = true;  // allowed: checked, and fails (it was signed with SHA-256)
  EXPECT_EQ(check(msg)[0].result, Outcome::fail);
}

TEST_F(DkimSignVerify, SignatureLimitAndBadSignatures) {
  std::string msg = signed_by(rsa);
  msg = "DKIM-Signature: v=1; a=rsa-sha256; garbage\n" + msg;
  msg = *sign_message(kMessage, ed, opt) + msg;
  vopt.signature_limit = 2;
  auto res = check(msg);
  ASSERT_EQ(res.size(), 3u);
  EXPECT_EQ(res[0].result, Outcome::pass);
  EXPECT_EQ(res[1].result, Outcome::neutral);
  EXPECT_NE(res[1].reason.find("bad signature"), std::string::npos);
  EXPECT_EQ(res[2].result, Outcome::neutral);
  EXPECT_NE(res[2].reason.find("dkim_verify_signature_limit"), std::string::npos);
  EXPECT_EQ(res[2].domain, "example.com");
  EXPECT_EQ(res[0].b_prefix().size(), 8u);
}

TEST_F(DkimSignVerify, SplitVerificationAsksEachKeyOnce) {
  std::string msg = *sign_message(kMessage, rsa, opt) + *sign_message(kMessage, rsa, opt) + kMessage;
  Verifier v(msg, vopt);
  auto names = v.key_names();
  ASSERT_EQ(names, std::vector<std::string>{"test._domainkey.example.com"});
  EXPECT_EQ(v.results()[0].result, Outcome::temperror);  // nothing fetched yet
  v.add_key(names[0], dns.lookup(names[0], dns::Type::TXT));
  EXPECT_TRUE(v.key_names().empty());
  for (const auto& r : v.results()) EXPECT_EQ(r.result, Outcome::pass);
}

TEST(DkimWithoutB, RemovesOnlyTheBValue) {
  EXPECT_EQ(without_b_value("DKIM-Signature: a=1; bh=xyz; b=abc\n\t def; t=3"),
            "DKIM-Signature: a=1; bh=xyz; b=; t=3");
  EXPECT_EQ(without_b_value("DKIM-Signature: b = abc"), "DKIM-Signature: b =");
}

}  // namespace
}  // namespace tern::dkim
