// DMARC evaluation: Author Domain extraction, strict and relaxed alignment of SPF and
// DKIM, the result, p/sp/np and t=y, and the disposition dmarc_mode asks for.
#include "dmarc/evaluate.hpp"

#include <gtest/gtest.h>

#include "dmarc/author.hpp"
#include "dmarc/disposition.hpp"
#include "failed_evaluation.hpp"
#include "dns/blocking.hpp"
#include "dns/memory_resolver.hpp"

namespace tern::dmarc {
namespace {

class DmarcEval : public ::testing::Test {
 protected:
  void SetUp() override {
    add("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; np=reject");
    add("_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s");
    add("_dmarc.testing.example", "v=DMARC1; p=reject; t=y");
    add("_dmarc.none.example", "v=DMARC1; p=none");
    ASSERT_TRUE(r.add("sub.example.com", "A", "192.0.2.1").ok());
  }
  void add(const char* name, const char* txt) { ASSERT_TRUE(r.add(name, "TXT", txt).ok()); }

  Evaluation eval(const std::string& from, SpfInput spf, std::vector<DkimInput> dkim = {}, bool exempt = false) {
    content = "From: " + from + "\nSubject: x\n\nbody\n";
    Input in{content, std::move(spf), std::move(dkim), exempt};
    return dns::run_blocking(r, [&](dns::Resolver& rr) { return evaluate(rr, DiscoveryConfig{}, in); });
  }

  static SpfInput spf(SpfResult res, std::string domain) { return SpfInput{res, std::move(domain), false, "", ""}; }
  static DkimInput dkim(DkimResult res, std::string d) { return DkimInput{res, d, "@" + d, "sel", ""}; }

  dns::MemoryResolver r;
  std::string content;
};

TEST_F(DmarcEval, AlignedSpfPasses) {
  auto e = eval("Alice <alice@example.com>", spf(SpfResult::pass, "example.com"));
  EXPECT_EQ(e.result, Outcome::pass);
  EXPECT_TRUE(e.decisive()->spf_aligned);
  EXPECT_FALSE(e.decisive()->dkim_aligned);
}

TEST_F(DmarcEval, RelaxedAlignmentUsesTheOrganizationalDomain) {
  auto e = eval("alice@example.com", spf(SpfResult::pass, "bounces.mail.example.com"));
  EXPECT_EQ(e.result, Outcome::pass);
  auto d = eval("alice@sub.example.com", spf(SpfResult::fail, "x.example.com"), {dkim(DkimResult::pass, "example.com")});
  EXPECT_EQ(d.result, Outcome::pass);
  EXPECT_TRUE(d.decisive()->dkim_aligned);
  EXPECT_EQ(d.decisive()->dkim_domain, "example.com");
}

TEST_F(DmarcEval, StrictAlignmentNeedsTheSameName) {
  auto e = eval("a@strict.example", spf(SpfResult::pass, "mail.strict.example"), {dkim(DkimResult::pass, "d.strict.example")});
  EXPECT_EQ(e.result, Outcome::fail);
  EXPECT_EQ(e.decisive()->applied, Policy::reject);
  auto ok = eval("a@strict.example", spf(SpfResult::fail, "x.example"), {dkim(DkimResult::pass, "Strict.Example")});
  EXPECT_EQ(ok.result, Outcome::pass);
}

TEST_F(DmarcEval, OnlyPassesCostAlignmentLookups) {
  auto e = eval("ceo@example.com", spf(SpfResult::fail, "x.example.com"), {dkim(DkimResult::fail, "y.example.com")});
  EXPECT_EQ(e.result, Outcome::fail);
  EXPECT_EQ(r.queries(), 1u);  // _dmarc.example.com only: no organizational walks
}

TEST_F(DmarcEval, UnalignedPassIsFail) {
  auto e = eval("ceo@example.com", spf(SpfResult::pass, "attacker.test"),
                {dkim(DkimResult::pass, "attacker.test"), dkim(DkimResult::fail, "example.com")});
  EXPECT_EQ(e.result, Outcome::fail);
  EXPECT_EQ(e.decisive()->policy, Policy::reject);
  EXPECT_EQ(e.decisive()->policy_domain, "example.com");
}

TEST_F(DmarcEval, SubdomainAndNonExistentPolicies) {
  auto sub = eval("a@sub.example.com", spf(SpfResult::none, ""));
  EXPECT_EQ(sub.result, Outcome::fail);
  EXPECT_EQ(sub.decisive()->policy, Policy::quarantine);  // sp=, the name exists
  auto nx = eval("a@nowhere.example.com", spf(SpfResult::none, ""));
  EXPECT_EQ(nx.decisive()->policy, Policy::reject);  // np=, no A/AAAA/MX
}

TEST_F(DmarcEval, TestingModeIsOneStepLess) {
  auto e = eval("a@testing.example", spf(SpfResult::fail, "testing.example"));
  EXPECT_EQ(e.result, Outcome::fail);
  EXPECT_EQ(e.decisive()->policy, Policy::reject);
  EXPECT_EQ(e.decisive()->applied, Policy::quarantine);
}

TEST_F(DmarcEval, NoPolicyIsNone) {
  auto e = eval("a@unpublished.test", spf(SpfResult::fail, "unpublished.test"));
  EXPECT_EQ(e.result, Outcome::none);
  EXPECT_FALSE(e.decisive()->record);
}

TEST_F(DmarcEval, DnsFailuresAreTemperror) {
  r.fail("_dmarc.down.example", dns::Type::TXT);
  EXPECT_EQ(eval("a@down.example", spf(SpfResult::pass, "down.example")).result, Outcome::temperror);
  // An aligned signature whose key lookup failed: unknown, not fail.
  auto e = eval("a@example.com", spf(SpfResult::fail, "example.com"), {dkim(DkimResult::temperror, "example.com")});
  EXPECT_EQ(e.result, Outcome::temperror);
}

TEST_F(DmarcEval, FromProblems) {
  content = "Subject: no from\n\nbody\n";
  Input in{content, spf(SpfResult::pass, "example.com"), {}, false};
  auto e = dns::run_blocking(r, [&](dns::Resolver& rr) { return evaluate(rr, DiscoveryConfig{}, in); });
  EXPECT_EQ(e.result, Outcome::permerror);
  EXPECT_EQ(e.decisive(), nullptr);
  // Two authors in different domains: each is checked, the strictest outcome counts.
  auto two = eval("a@none.example, b@example.com", spf(SpfResult::pass, "none.example"));
  ASSERT_EQ(two.verdicts.size(), 2u);
  EXPECT_EQ(two.result, Outcome::fail);
  EXPECT_EQ(two.decisive()->from_domain, "example.com");
}

TEST_F(DmarcEval, ExemptClientsAreNotEvaluated) {
  auto e = eval("ceo@example.com", spf(SpfResult::fail, "x.test"), {}, true);
  EXPECT_TRUE(e.exempt);
  EXPECT_EQ(r.queries(), 0u);
  Settings s;
  s.mode = Mode::enforce;
  EXPECT_EQ(decide(e, s).action, Action::accept);
}

TEST_F(DmarcEval, PslMethodAlignsByTheList) {
  auto psl = PublicSuffixList::parse("uk\nco.uk\n");
  ASSERT_TRUE(psl.ok());
  add("_dmarc.shop.co.uk", "v=DMARC1; p=reject");
  content = "From: a@news.shop.co.uk\n\n";
  Input in{content, spf(SpfResult::pass, "bounce.shop.co.uk"), {}, false};
  auto e = dns::run_blocking(r, [&](dns::Resolver& rr) { return evaluate(rr, DiscoveryConfig{Method::psl, &*psl}, in); });
  EXPECT_EQ(e.result, Outcome::pass);
  EXPECT_EQ(e.decisive()->policy_domain, "shop.co.uk");
  // The tree walk reaches the same organization: shop.co.uk is the highest name with a record.
  auto walk = dns::run_blocking(r, [&](dns::Resolver& rr) { return evaluate(rr, DiscoveryConfig{}, in); });
  EXPECT_EQ(walk.result, Outcome::pass);
  in.spf = spf(SpfResult::pass, "other.co.uk");
  auto other = dns::run_blocking(r, [&](dns::Resolver& rr) { return evaluate(rr, DiscoveryConfig{Method::psl, &*psl}, in); });
  EXPECT_EQ(other.result, Outcome::fail);
}

TEST(DmarcAuthor, DomainsFromFromFields) {
  auto a = author_domains("From: \"x@evil.test\" <Alice@Example.COM.>\nTo: b@c.test\n\nFrom: body@line.test\n");
  EXPECT_EQ(a.domains, std::vector<std::string>{"example.com"});
  EXPECT_EQ(a.from_fields, 1u);
  auto two = author_domains("From: a@x.test\nfrom: (comment) b@y.test, c@x.test\n\n");
  EXPECT_EQ(two.domains, (std::vector<std::string>{"x.test", "y.test"}));
  EXPECT_EQ(two.from_fields, 2u);
  EXPECT_TRUE(author_domains("From: undisclosed-recipients:;\n\n").domains.empty());
  EXPECT_FALSE(author_domains("From: a@[192.0.2.1]\n\n").problem.empty());
  EXPECT_EQ(author_domains("To: x@y.test\n\n").problem, "no From header field");
  EXPECT_EQ(address_domain("user@-bad..test"), "");
  EXPECT_EQ(address_domain("jürgen@Bücher.example"), "xn--bcher-kva.example");
}

TEST(DmarcDisposition, ByModeAndPolicy) {
  Evaluation e = failed_evaluation("example.com", "example.com");
  Settings s;
  s.mode = Mode::report;
  EXPECT_EQ(decide(e, s).action, Action::accept);
  s.mode = Mode::enforce;
  auto d = decide(e, s);
  EXPECT_EQ(d.action, Action::reject);
  EXPECT_EQ(d.reply.substr(0, 10), "550 5.7.1 ");
  e.verdicts[0].applied = Policy::quarantine;
  EXPECT_EQ(decide(e, s).action, Action::add_header);
  EXPECT_EQ(decide(e, s).header, "X-Spam-Flag: YES");
  s.quarantine = QuarantineAction::hold;
  EXPECT_EQ(decide(e, s).action, Action::hold);
  e.verdicts[0].applied = Policy::none;
  EXPECT_EQ(decide(e, s).action, Action::accept);
  e.result = Outcome::temperror;
  e.verdicts[0].result = Outcome::temperror;
  e.verdicts[0].applied = Policy::reject;
  EXPECT_EQ(decide(e, s).action, Action::accept);
}

TEST(DmarcDisposition, SettingsFromParameters) {
  config::Params p;
  p.dmarc_mode = "enforce";
  p.dmarc_quarantine_action = "hold";
  p.dmarc_quarantine_header = "X-Spam-Flag: YES";
  p.dmarc_discovery_method = "psl";
  p.dmarc_public_suffix_list = "/usr/share/publicsuffix/public_suffix_list.dat";
  auto s = settings_from(p);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->mode, Mode::enforce);
  EXPECT_EQ(s->quarantine, QuarantineAction::hold);
  EXPECT_EQ(s->method, Method::psl);
  ASSERT_TRUE(s->psl);
  EXPECT_EQ(s->discovery().psl->registrable_domain("a.b.example.co.uk"), "example.co.uk");
  p.dmarc_public_suffix_list = "/nonexistent/list.dat";
  EXPECT_NE(settings_from(p).error().message.find("dmarc_public_suffix_list"), std::string::npos);
  p.dmarc_public_suffix_list = "/usr/share/publicsuffix/public_suffix_list.dat";
  p.dmarc_mode = "strict";
  EXPECT_NE(settings_from(p).error().message.find("dmarc_mode"), std::string::npos);
  p.dmarc_mode = "off";
  p.dmarc_discovery_method = "dns";
  EXPECT_NE(settings_from(p).error().message.find("dmarc_discovery_method"), std::string::npos);
  p.dmarc_discovery_method = "rfc9989";
  p.dmarc_quarantine_action = "header";
  p.dmarc_quarantine_header = "no colon";
  EXPECT_NE(settings_from(p).error().message.find("dmarc_quarantine_header"), std::string::npos);
}

}  // namespace
}  // namespace tern::dmarc
