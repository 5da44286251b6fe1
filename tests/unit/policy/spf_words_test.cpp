// The SPF restriction words: each fires only on its own result, with RFC 7372 status
// codes and the record's explanation in the 550 text; nothing fires when SPF was not
// checked (mynetworks, SASL clients).
#include <gtest/gtest.h>

#include "../await.hpp"

#include "policy/restrictions.hpp"

namespace tern::policy {
namespace {

// The evaluator is a coroutine; these tests run it to completion on a local event loop.
Decision eval(const RestrictionList& l, const Facts& f) {
  Evaluation ev;
  return testing::run_await(evaluate(l, f, ev));
}

RestrictionList spf_list() {
  auto l = compile("smtpd_recipient_restrictions",
                   {"permit_mynetworks", "reject_spf_fail", "reject_spf_softfail", "reject_spf_permerror",
                    "defer_spf_temperror"});
  EXPECT_TRUE(l.ok());
  return l.ok() ? *l : RestrictionList{};
}

Decision with(spf::Verdict v, std::string explanation = "", std::string problem = "") {
  Facts f;
  f.sender = "alice@example.org";
  f.recipient = "bob@example.net";
  spf::Outcome o{v, std::move(explanation), "", std::move(problem)};
  f.spf = &o;
  return eval(spf_list(), f);
}

TEST(SpfWords, Compile) {
  EXPECT_TRUE(uses_spf(spf_list()));
  auto plain = compile("smtpd_recipient_restrictions", {"permit_mynetworks", "reject_unauth_destination"});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(uses_spf(*plain));
}

TEST(SpfWords, FailCarriesTheExplanation) {
  Decision d = with(spf::Verdict::fail, "192.0.2.9 is not one of example.org's designated mail servers.");
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(d.reply.wire(),
            "550 5.7.23 <alice@example.org>: Sender address rejected: 192.0.2.9 is not one of example.org's "
            "designated mail servers.\r\n");
}

TEST(SpfWords, EachResultItsWord) {
  EXPECT_EQ(with(spf::Verdict::softfail).reply.code, 550);
  EXPECT_EQ(with(spf::Verdict::softfail).reply.enhanced(), "5.7.23");
  Decision perm = with(spf::Verdict::permerror, "", "unknown mechanism \"moo\"");
  EXPECT_EQ(perm.reply.wire(),
            "550 5.7.24 <alice@example.org>: Sender address rejected: SPF permerror: unknown mechanism \"moo\"\r\n");
  Decision temp = with(spf::Verdict::temperror, "", "DNS lookup of example.org TXT failed: timed out");
  EXPECT_EQ(temp.reply.code, 451);
  EXPECT_EQ(temp.reply.enhanced(), "4.7.24");
  for (auto v : {spf::Verdict::pass, spf::Verdict::neutral, spf::Verdict::none})
    EXPECT_EQ(with(v).verdict, Verdict::dunno) << spf::verdict_name(v);
}

TEST(SpfWords, NothingWithoutACheck) {
  Facts f;
  f.sender = "alice@example.org";
  EXPECT_EQ(eval(spf_list(), f).verdict, Verdict::dunno);
  f.client_in_mynetworks = true;
  spf::Outcome o{spf::Verdict::fail, "no", "", ""};
  f.spf = &o;
  EXPECT_EQ(eval(spf_list(), f).verdict, Verdict::permit);
}

}  // namespace
}  // namespace tern::policy
