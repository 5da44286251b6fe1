// Policy discovery and the Organizational Domain: RFC 9989's DNS tree walk (label
// limit, psd=y and psd=n, discarded records, DNS failures) and RFC 7489's PSL method.
#include "dmarc/discovery.hpp"

#include <gtest/gtest.h>

#include "dns/blocking.hpp"
#include "dns/memory_resolver.hpp"

namespace tern::dmarc {
namespace {

PolicyFound policy(dns::Resolver& r, const std::string& d, Method m = Method::rfc9989,
                   const PublicSuffixList* psl = nullptr, std::vector<std::string>* queried = nullptr) {
  std::unique_ptr<Discoverer> disc;
  auto out = dns::run_blocking(r, [&](dns::Resolver& rr) {
    disc = std::make_unique<Discoverer>(rr, m, psl);
    return disc->policy(d);
  });
  if (queried) *queried = disc->queried();
  return out;
}

OrgDomain org(dns::Resolver& r, const std::string& d, Method m = Method::rfc9989, const PublicSuffixList* psl = nullptr) {
  std::unique_ptr<Discoverer> disc;
  return dns::run_blocking(r, [&](dns::Resolver& rr) {
    disc = std::make_unique<Discoverer>(rr, m, psl);
    return disc->organizational_domain(d);
  });
}

TEST(DmarcWalk, TargetsFollowTheLabelLimit) {
  EXPECT_EQ(walk_targets("a.mail.example.com"),
            (std::vector<std::string>{"a.mail.example.com", "mail.example.com", "example.com", "com"}));
  auto t = walk_targets("a.b.c.d.e.f.g.h.i.example");  // 10 labels
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[0], "a.b.c.d.e.f.g.h.i.example");
  EXPECT_EQ(t[1], "d.e.f.g.h.i.example");  // jumps to 7 labels
  EXPECT_EQ(t[7], "example");
  EXPECT_EQ(walk_targets("Example.COM.").front(), "example.com");
  EXPECT_EQ(walk_targets("com"), std::vector<std::string>{"com"});
  EXPECT_TRUE(walk_targets("").empty());
}

TEST(DmarcWalk, PolicyIsTheFirstRecordUpTheTree) {
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("_dmarc.example.com", "TXT", "v=DMARC1; p=reject").ok());
  std::vector<std::string> q;
  auto p = policy(r, "a.b.example.com", Method::rfc9989, nullptr, &q);
  ASSERT_TRUE(p.record);
  EXPECT_EQ(p.domain, "example.com");
  EXPECT_EQ(p.record->p, Policy::reject);
  EXPECT_EQ(q, (std::vector<std::string>{"_dmarc.a.b.example.com", "_dmarc.b.example.com", "_dmarc.example.com"}));
  auto own = policy(r, "example.com");
  EXPECT_EQ(own.domain, "example.com");
}

TEST(DmarcWalk, AtMostEightQueriesForLongNames) {
  dns::MemoryResolver r;
  std::vector<std::string> q;
  auto p = policy(r, "1.2.3.4.5.6.7.8.9.10.example", Method::rfc9989, nullptr, &q);
  EXPECT_FALSE(p.record);
  EXPECT_FALSE(p.temperror);
  EXPECT_EQ(q.size(), 8u);
  EXPECT_EQ(r.queries(), 8u);
}

TEST(DmarcWalk, DiscardsSeveralOrInvalidRecords) {
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("_dmarc.two.example", "TXT", "v=DMARC1; p=reject").ok());
  ASSERT_TRUE(r.add("_dmarc.two.example", "TXT", "v=DMARC1; p=none").ok());
  ASSERT_TRUE(r.add("_dmarc.bad.example", "TXT", "v=DMARC1; p=reject; adkim=q").ok());
  ASSERT_TRUE(r.add("_dmarc.mixed.example", "TXT", "some other text").ok());
  ASSERT_TRUE(r.add("_dmarc.mixed.example", "TXT", "v=DMARC1; p=quarantine").ok());
  ASSERT_TRUE(r.add("_dmarc.example", "TXT", "v=DMARC1; p=none; psd=y").ok());
  EXPECT_EQ(policy(r, "two.example").domain, "example");  // both discarded: up the tree
  EXPECT_EQ(policy(r, "bad.example").domain, "example");
  auto m = policy(r, "mixed.example");
  EXPECT_EQ(m.domain, "mixed.example");
  EXPECT_EQ(m.record->p, Policy::quarantine);
}

TEST(DmarcWalk, TemporaryFailureIsTemperror) {
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("_dmarc.example.com", "TXT", "v=DMARC1; p=reject").ok());
  r.fail("_dmarc.b.example.com", dns::Type::TXT);
  auto p = policy(r, "a.b.example.com");
  EXPECT_TRUE(p.temperror);
  EXPECT_FALSE(p.record);
  EXPECT_TRUE(org(r, "a.b.example.com").temperror);
}

TEST(DmarcWalk, OrganizationalDomain) {
  dns::MemoryResolver r;
  // No psd= anywhere: the highest name with a record.
  ASSERT_TRUE(r.add("_dmarc.mail.example.com", "TXT", "v=DMARC1; p=none").ok());
  ASSERT_TRUE(r.add("_dmarc.example.com", "TXT", "v=DMARC1; p=reject").ok());
  EXPECT_EQ(org(r, "a.mail.example.com").domain, "example.com");
  // psd=n stops the walk there.
  ASSERT_TRUE(r.add("_dmarc.dept.example.org", "TXT", "v=DMARC1; p=none; psd=n").ok());
  ASSERT_TRUE(r.add("_dmarc.example.org", "TXT", "v=DMARC1; p=reject").ok());
  EXPECT_EQ(org(r, "x.y.dept.example.org").domain, "dept.example.org");
  // psd=y: one label below the public suffix domain.
  ASSERT_TRUE(r.add("_dmarc.gov.example", "TXT", "v=DMARC1; p=reject; psd=y").ok());
  EXPECT_EQ(org(r, "a.b.agency.gov.example").domain, "agency.gov.example");
  EXPECT_EQ(org(r, "gov.example").domain, "gov.example");  // starting at the PSD itself
  // Nothing published: the name itself.
  EXPECT_EQ(org(r, "a.b.unpublished.test").domain, "a.b.unpublished.test");
}

TEST(DmarcWalk, PsdJumpKeepsOneLabelBelow) {
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("_dmarc.psd.example", "TXT", "v=DMARC1; p=reject; psd=y").ok());
  // 9 labels: the walk jumps from 9 to 7 labels; the answer is still psd + 1 label.
  EXPECT_EQ(org(r, "a.b.c.d.e.f.org.psd.example").domain, "org.psd.example");
}

TEST(DmarcPsl, PolicyAndOrganizationalDomainByTheList) {
  auto psl = PublicSuffixList::parse("com\nco.uk\n");
  ASSERT_TRUE(psl.ok());
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("_dmarc.example.co.uk", "TXT", "v=DMARC1; p=quarantine").ok());
  ASSERT_TRUE(r.add("_dmarc.mail.example.co.uk", "TXT", "v=DMARC1; p=reject").ok());
  std::vector<std::string> q;
  auto p = policy(r, "a.b.x.example.co.uk", Method::psl, &*psl, &q);
  EXPECT_EQ(p.domain, "example.co.uk");
  EXPECT_EQ(q, (std::vector<std::string>{"_dmarc.a.b.x.example.co.uk", "_dmarc.example.co.uk"}));
  // The intermediate mail.example.co.uk is never asked about by the PSL method.
  EXPECT_EQ(policy(r, "x.mail.example.co.uk", Method::psl, &*psl).domain, "example.co.uk");
  EXPECT_EQ(org(r, "x.mail.example.co.uk", Method::psl, &*psl).domain, "example.co.uk");
  EXPECT_EQ(org(r, "co.uk", Method::psl, &*psl).domain, "co.uk");
}

}  // namespace
}  // namespace tern::dmarc
