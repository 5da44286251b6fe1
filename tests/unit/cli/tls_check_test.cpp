// The `tern check tls` report over the in-memory resolver: MX hosts in preference order with
// their addresses, TLSA records marked usable or not, the level each host gets under dane
// and dane-only, a domain without MX, a null MX, failures, and the exit status.
#include "cli/tls_check.hpp"

#include <gtest/gtest.h>

#include "dns/memory_resolver.hpp"

namespace tern::cli {
namespace {

using delivery::smtp::TlsLevel;

const std::string kDigest(64, 'c');

TlsCheck check(TlsLevel level, std::string domain = "example.org") {
  TlsCheck c;
  c.domain = std::move(domain);
  c.level = level;
  c.level_source = "smtp_tls_security_level";
  c.digests = *tls::parse_dane_digests({"sha512", "sha256"});
  return c;
}

struct TlsCheckReport : ::testing::Test {
  dns::MemoryResolver r;
  void SetUp() override {
    r.set_security("example.org", dns::Security::secure);
    ASSERT_TRUE(r.add("example.org", "MX", "20 mx2.example.org").ok());
    ASSERT_TRUE(r.add("example.org", "MX", "10 mx1.example.org").ok());
    ASSERT_TRUE(r.add("mx1.example.org", "A", "192.0.2.1").ok());
    ASSERT_TRUE(r.add("mx1.example.org", "AAAA", "2001:db8::1").ok());
    ASSERT_TRUE(r.add("mx2.example.org", "A", "192.0.2.2").ok());
    ASSERT_TRUE(r.add("_25._tcp.mx1.example.org", "TLSA", "3 1 1 " + kDigest).ok());
    ASSERT_TRUE(r.add("_25._tcp.mx1.example.org", "TLSA", "1 1 1 " + kDigest).ok());
  }
  std::string run(const TlsCheck& c, int* status) { return tls_check_report(r, c, status); }
};

TEST_F(TlsCheckReport, HostsRecordsAndLevelsUnderDane) {
  int status = -1;
  std::string out = run(check(TlsLevel::dane), &status);
  EXPECT_EQ(status, 0);
  std::string want =
      "example.org: MX lookup: data, secure\n"
      "  MX 10 mx1.example.org\n"
      "    addresses: 192.0.2.1 2001:db8::1 (secure)\n"
      "    TLSA _25._tcp.mx1.example.org: data, secure\n"
      "      3 1 1 " + kDigest + ": usable\n"
      "      1 1 1 " + kDigest + ": unusable, usage 1 (PKIX) is not used for SMTP (RFC 7672)\n"
      "    level dane: verify with DANE (1 usable TLSA record at _25._tcp.mx1.example.org); SNI mx1.example.org; "
      "success logged as Verified\n"
      "  MX 20 mx2.example.org\n"
      "    addresses: 192.0.2.2 (secure)\n"
      "    TLSA _25._tcp.mx2.example.org: NXDOMAIN, secure\n"
      "    level dane: may, TLS when offered (no TLSA records at _25._tcp.mx2.example.org)\n";
  EXPECT_EQ(out, want);
}

TEST_F(TlsCheckReport, DaneOnlyFailsForTheHostWithoutTlsa) {
  int status = -1;
  std::string out = run(check(TlsLevel::dane_only), &status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("level dane-only: no delivery, deferred 4.7.5: dane-only: no TLSA records at _25._tcp.mx2.example.org"),
            std::string::npos)
      << out;
}

TEST_F(TlsCheckReport, OtherLevelsShowWhatDaneWouldDo) {
  int status = -1;
  std::string out = run(check(TlsLevel::may), &status);
  EXPECT_EQ(status, 0);
  EXPECT_NE(out.find("    level may (smtp_tls_security_level); at level dane: verify with DANE"), std::string::npos) << out;
}

TEST_F(TlsCheckReport, InsecureDomainWithoutMx) {
  ASSERT_TRUE(r.add("plain.example", "A", "192.0.2.7").ok());
  int status = -1;
  std::string out = run(check(TlsLevel::dane, "plain.example"), &status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out,
            "plain.example: MX lookup: no data, insecure\n"
            "  no MX records: the domain itself is the mail host (RFC 5321 §5.1)\n"
            "  host plain.example\n"
            "    addresses: 192.0.2.7 (insecure)\n"
            "    TLSA: not looked up (the addresses are not DNSSEC-secure)\n"
            "    level dane: may, TLS when offered (MX lookup for plain.example is not DNSSEC-secure)\n");
}

TEST_F(TlsCheckReport, NullMxNxdomainAndFailures) {
  ASSERT_TRUE(r.add("nomail.example.org", "MX", "0 .").ok());
  int status = -1;
  EXPECT_NE(run(check(TlsLevel::dane, "nomail.example.org"), &status).find("null MX"), std::string::npos);
  EXPECT_EQ(status, 1);
  EXPECT_EQ(run(check(TlsLevel::dane, "nope.example.net"), &status), "nope.example.net: MX lookup: NXDOMAIN, insecure\n");
  EXPECT_EQ(status, 1);
  r.fail("_25._tcp.mx2.example.org", dns::Type::TLSA);
  std::string out = run(check(TlsLevel::dane), &status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("TLSA _25._tcp.mx2.example.org: temporary failure, secure"), std::string::npos) << out;
  EXPECT_NE(out.find("level dane: no delivery, deferred 4.7.5: TLSA lookup error"), std::string::npos) << out;
  r.set_security("example.org", dns::Security::bogus);
  out = run(check(TlsLevel::dane), &status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("example.org: MX lookup: temporary failure, bogus"), std::string::npos) << out;
}

}  // namespace
}  // namespace tern::cli
