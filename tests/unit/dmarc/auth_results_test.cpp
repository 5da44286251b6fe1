// Authentication-Results: the field we build, and the removal of inbound fields that
// claim our authserv-id (with the authserv-id read through comments and quoting).
#include "dmarc/auth_results.hpp"

#include <gtest/gtest.h>

#include "dmarc/authserv_id.hpp"
#include "failed_evaluation.hpp"

namespace tern::dmarc {
namespace {

Evaluation failed_reject() {
  Evaluation e = failed_evaluation("example.com", "example.com");
  e.verdicts[0].record->sp = Policy::quarantine;
  return e;
}

TEST(AuthResults, AllThreeMethods) {
  AuthResults a;
  a.authserv_id = "mx.example.net";
  a.spf = SpfInput{SpfResult::pass, "example.com", false, "alice@example.com", ""};
  a.dkim.push_back({DkimResult::pass, "example.com", "@example.com", "sel1", ""});
  a.dkim.push_back({DkimResult::fail, "other.test", "user@other.test", "s2", "signature did not verify"});
  a.dmarc = failed_reject();
  EXPECT_EQ(build_auth_results(a),
            "Authentication-Results: mx.example.net;\n"
            "\tspf=pass smtp.mailfrom=alice@example.com;\n"
            "\tdkim=pass header.d=example.com header.i=@example.com header.s=sel1;\n"
            "\tdkim=fail (signature did not verify) header.d=other.test header.i=user@other.test header.s=s2;\n"
            "\tdmarc=fail (p=reject sp=quarantine dis=reject) header.from=example.com policy.dmarc=reject");
}

TEST(AuthResults, NoneAndHeloAndQuoting) {
  AuthResults a;
  a.authserv_id = "mx.example.net";
  EXPECT_EQ(build_auth_results(a), "Authentication-Results: mx.example.net; none");
  a.spf = SpfInput{SpfResult::softfail, "helo.example", true, "", "a (comment) \\ x"};
  EXPECT_EQ(build_auth_results(a),
            "Authentication-Results: mx.example.net;\n\tspf=softfail (a \\(comment\\) \\\\ x) smtp.helo=helo.example");
  EXPECT_EQ(auth_pvalue("\"odd local\"@example.com"), "\"odd local\"@example.com");  // RFC 5322 local-part
  EXPECT_EQ(auth_pvalue("\"a\\\"b\"@example.com"), "\"a\\\"b\"@example.com");
  EXPECT_EQ(auth_pvalue("\"a\"b\"@example.com"), "\"\\\"a\\\"b\\\"@example.com\"");  // not a quoted-string
  EXPECT_EQ(auth_pvalue("a b"), "\"a b\"");
  EXPECT_EQ(auth_pvalue("x\ny"), "\"xy\"");
  EXPECT_EQ(auth_pvalue("@example.com"), "@example.com");
  Evaluation exempt;
  exempt.exempt = true;
  a.spf.reset();
  a.dmarc = exempt;
  EXPECT_EQ(build_auth_results(a), "Authentication-Results: mx.example.net; none");
  Evaluation nofrom;
  nofrom.result = Outcome::permerror;
  nofrom.reason = "no From header field";
  a.dmarc = nofrom;
  EXPECT_EQ(build_auth_results(a), "Authentication-Results: mx.example.net;\n\tdmarc=permerror (no From header field)");
}

TEST(AuthservId, ReadsTheIdRobustly) {
  EXPECT_EQ(parse_authserv_id("mx.example.net; spf=pass"), "mx.example.net");
  EXPECT_EQ(parse_authserv_id("  (forged) (nested (comment)) MX.Example.NET 1 ; none"), "MX.Example.NET");
  EXPECT_EQ(parse_authserv_id("\"mx.example.net\"; dkim=pass"), "mx.example.net");
  EXPECT_EQ(parse_authserv_id("\"mx.ex\\ample.net\";"), "mx.example.net");
  EXPECT_EQ(parse_authserv_id("mx.example.net\n\t(folded); none"), "mx.example.net");
  EXPECT_EQ(parse_authserv_id("mx.example.net"), "mx.example.net");
  EXPECT_FALSE(parse_authserv_id(""));
  EXPECT_FALSE(parse_authserv_id("; spf=pass"));
  EXPECT_FALSE(parse_authserv_id("(unclosed comment mx.example.net; none"));
  EXPECT_FALSE(parse_authserv_id("\"unterminated; none"));
  EXPECT_FALSE(parse_authserv_id("mx.example.net other; none"));
  EXPECT_FALSE(parse_authserv_id("mx.example.net (x; none"));
}

TEST(AuthservId, RemovesOnlyOurs) {
  std::string msg =
      "Received: from x\n"
      "Authentication-Results: mx.example.net; dkim=pass\n"
      "authentication-results: (c) \"MX.EXAMPLE.NET\";\n\tspf=pass\n"
      "Authentication-Results: other.example; dmarc=pass\n"
      "Authentication-Results: mx.example.net.evil; none\n"
      "Subject: hi\n"
      "\n"
      "Authentication-Results: mx.example.net; body line\n";
  auto r = remove_our_auth_results(msg, "mx.example.net");
  EXPECT_EQ(r.count, 2u);
  EXPECT_EQ(r.content,
            "Received: from x\n"
            "Authentication-Results: other.example; dmarc=pass\n"
            "Authentication-Results: mx.example.net.evil; none\n"
            "Subject: hi\n"
            "\n"
            "Authentication-Results: mx.example.net; body line\n");
  auto last = remove_our_auth_results("Subject: a\nAuthentication-Results: mx.example.net; none", "mx.example.net");
  EXPECT_EQ(last.content, "Subject: a\n");
  EXPECT_EQ(remove_our_auth_results(msg, "nobody.example").content, msg);
}

}  // namespace
}  // namespace tern::dmarc
