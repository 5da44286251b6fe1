// The SPF and DKIM verifiers' results as DMARC inputs.
#include "dmarc/verifier_inputs.hpp"

#include <gtest/gtest.h>

namespace tern::dmarc {
namespace {

TEST(DmarcInputs, FromSpf) {
  auto m = spf_input(spf::Verdict::softfail, "Alice@Example.COM", "mx.example.net");
  EXPECT_EQ(m.result, SpfResult::softfail);
  EXPECT_EQ(m.domain, "example.com");
  EXPECT_EQ(m.mailfrom, "Alice@Example.COM");
  EXPECT_FALSE(m.helo);
  auto h = spf_input(spf::Verdict::pass, "", "MX.example.net", "helo checked");
  EXPECT_TRUE(h.helo);
  EXPECT_EQ(h.domain, "mx.example.net");
  EXPECT_EQ(h.reason, "helo checked");
  for (auto v : {spf::Verdict::none, spf::Verdict::neutral, spf::Verdict::pass, spf::Verdict::fail,
                 spf::Verdict::softfail, spf::Verdict::temperror, spf::Verdict::permerror})
    EXPECT_EQ(spf_result_name(spf_input(v, "a@b.test", "").result), spf::verdict_name(v));
}

TEST(DmarcInputs, FromDkim) {
  dkim::SignatureResult pass;
  pass.result = dkim::Outcome::pass;
  pass.domain = "Example.com";
  pass.selector = "s1";
  dkim::SignatureResult bad;
  bad.result = dkim::Outcome::fail;
  bad.reason = "body hash mismatch";
  bad.domain = "other.test";
  bad.identity = "user@other.test";
  auto in = dkim_inputs({pass, bad});
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].result, DkimResult::pass);
  EXPECT_EQ(in[0].domain, "example.com");
  EXPECT_EQ(in[0].identity, "@example.com");
  EXPECT_EQ(in[0].reason, "");
  EXPECT_EQ(in[1].result, DkimResult::fail);
  EXPECT_EQ(in[1].identity, "user@other.test");
  EXPECT_EQ(in[1].reason, "body hash mismatch");
  for (auto o : {dkim::Outcome::pass, dkim::Outcome::fail, dkim::Outcome::neutral, dkim::Outcome::temperror,
                 dkim::Outcome::permerror}) {
    dkim::SignatureResult s;
    s.result = o;
    EXPECT_EQ(dkim_result_name(dkim_inputs({s})[0].result), dkim::result_name(o));
  }
}

}  // namespace
}  // namespace tern::dmarc
