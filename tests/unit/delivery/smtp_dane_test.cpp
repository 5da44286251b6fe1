// RFC 7672's per-host decision as a table of cases (dane and dane-only, secure and insecure
// MX and address lookups, TLSA data, none, insecure, bogus, failed, unusable), and the TLSA
// lookup's CNAME rule, against the in-memory resolver.
#include "delivery/smtp/dane.hpp"

#include <gtest/gtest.h>

#include "dns/memory_resolver.hpp"

namespace tern::delivery::smtp {
namespace {

const std::string kDigest256(64, 'a');  // hex of 32 octets
const std::string kDigest512(128, 'b');

tls::DaneDigests digests(std::vector<std::string> list = {"sha512", "sha256"}) {
  auto d = tls::parse_dane_digests(list);
  EXPECT_TRUE(d.ok());
  return d.ok() ? *d : tls::DaneDigests{};
}

struct Case {
  TlsLevel level = TlsLevel::dane;
  bool mx_secure = true, addr_secure = true;
  InsecureMxPolicy insecure_mx = InsecureMxPolicy::may;
};

// Decides for mx.example.org with `records` published at _25._tcp.mx.example.org (when
// any) in a zone of the given status.
DaneDecision run(const Case& c, const std::vector<std::string>& records, dns::Security zone = dns::Security::secure,
                 const tls::DaneDigests& d = digests()) {
  dns::MemoryResolver r;
  r.set_security("example.org", zone);
  for (const auto& rec : records) EXPECT_TRUE(r.add("_25._tcp.mx.example.org", "TLSA", rec).ok()) << rec;
  EXPECT_TRUE(r.add("mx.example.org", "A", "192.0.2.1").ok());
  DaneHost h{"mx.example.org", "", 25, c.mx_secure, c.addr_secure};
  if (!wants_tlsa(c.level, h, c.insecure_mx)) return decide(c.level, h, c.insecure_mx, nullptr, d);
  TlsaLookup t = find_tlsa(r, h);
  return decide(c.level, h, c.insecure_mx, &t, d);
}

TEST(Dane, UsableRecordsMeanVerifyByDane) {
  auto d = run({}, {"3 1 1 " + kDigest256, "2 0 2 " + kDigest512});
  EXPECT_FALSE(d.defer);
  EXPECT_EQ(d.level, TlsLevel::dane);
  EXPECT_EQ(d.records.size(), 2u);
  EXPECT_EQ(d.base_domain, "mx.example.org");
  EXPECT_TRUE(d.name_secure);
  auto only = run({TlsLevel::dane_only}, {"3 1 1 " + kDigest256});
  EXPECT_FALSE(only.defer);
  EXPECT_EQ(only.level, TlsLevel::dane);
}

TEST(Dane, SecureZoneWithoutTlsaIsMayOrRefusedForDaneOnly) {
  auto d = run({}, {});
  EXPECT_FALSE(d.defer);
  EXPECT_EQ(d.level, TlsLevel::may);
  EXPECT_NE(d.reason.find("no TLSA records at _25._tcp.mx.example.org"), std::string::npos) << d.reason;
  auto only = run({TlsLevel::dane_only}, {});
  EXPECT_TRUE(only.defer);
  EXPECT_EQ(only.dsn, "4.7.5");
}

TEST(Dane, InsecureMxIsMayWithoutATlsaLookup) {
  dns::MemoryResolver r;
  DaneHost h{"mx.example.org", "", 25, false, true};
  EXPECT_FALSE(wants_tlsa(TlsLevel::dane, h, InsecureMxPolicy::may));
  auto d = decide(TlsLevel::dane, h, InsecureMxPolicy::may, nullptr, digests());
  EXPECT_FALSE(d.defer);
  EXPECT_EQ(d.level, TlsLevel::may);
  auto only = decide(TlsLevel::dane_only, h, InsecureMxPolicy::may, nullptr, digests());
  EXPECT_TRUE(only.defer);
}

TEST(Dane, InsecureMxPolicyDaneUsesTheRecordsButOnlyAsTrusted) {
  auto d = run({TlsLevel::dane, false, true, InsecureMxPolicy::dane}, {"3 1 1 " + kDigest256});
  EXPECT_EQ(d.level, TlsLevel::dane);
  EXPECT_FALSE(d.name_secure);
  auto e = run({TlsLevel::dane, false, true, InsecureMxPolicy::encrypt}, {"3 1 1 " + kDigest256});
  EXPECT_EQ(e.level, TlsLevel::encrypt);
  auto none = run({TlsLevel::dane, false, true, InsecureMxPolicy::encrypt}, {});
  EXPECT_EQ(none.level, TlsLevel::may);
}

TEST(Dane, InsecureAddressRecordsSkipTheTlsaLookup) {
  DaneHost h{"mx.example.org", "", 25, true, false};
  EXPECT_FALSE(wants_tlsa(TlsLevel::dane, h, InsecureMxPolicy::dane));
  EXPECT_EQ(decide(TlsLevel::dane, h, InsecureMxPolicy::may, nullptr, digests()).level, TlsLevel::may);
  EXPECT_TRUE(decide(TlsLevel::dane_only, h, InsecureMxPolicy::may, nullptr, digests()).defer);
}

TEST(Dane, UnusableRecordsMeanEncrypt) {
  // PKIX usages, an unknown selector and matching type, a digest left out of the list, a
  // digest of the wrong length, exact data that is not DER.
  std::vector<std::string> bad = {"0 1 1 " + kDigest256, "1 1 1 " + kDigest256, "3 2 1 " + kDigest256,
                                  "3 1 9 " + kDigest256, "3 1 1 abcd",          "3 0 0 abcd",
                                  "4 1 1 " + kDigest256};
  auto d = run({}, bad);
  EXPECT_FALSE(d.defer);
  EXPECT_EQ(d.level, TlsLevel::encrypt);
  EXPECT_TRUE(d.records.empty());
  EXPECT_EQ(d.unusable.size(), bad.size());
  auto only = run({TlsLevel::dane_only}, bad);
  EXPECT_TRUE(only.defer);
  // SHA2-512 only when tls_dane_digests lists it.
  auto no512 = run({}, {"3 1 2 " + kDigest512}, dns::Security::secure, digests({"sha256"}));
  EXPECT_EQ(no512.level, TlsLevel::encrypt);
  ASSERT_EQ(no512.unusable.size(), 1u);
  EXPECT_NE(no512.unusable[0].find("matching type 2 is not in tls_dane_digests"), std::string::npos);
}

TEST(Dane, BogusOrFailedLookupsDefer) {
  auto bogus = run({}, {"3 1 1 " + kDigest256}, dns::Security::bogus);
  EXPECT_TRUE(bogus.defer);
  EXPECT_EQ(bogus.dsn, "4.7.5");
  EXPECT_NE(bogus.reason.find("TLSA lookup error for _25._tcp.mx.example.org"), std::string::npos) << bogus.reason;

  dns::MemoryResolver r;
  r.set_security("example.org", dns::Security::secure);
  r.fail("_25._tcp.mx.example.org", dns::Type::TLSA);
  DaneHost h{"mx.example.org", "", 25, true, true};
  TlsaLookup t = find_tlsa(r, h);
  auto failed = decide(TlsLevel::dane, h, InsecureMxPolicy::may, &t, digests());
  EXPECT_TRUE(failed.defer);
  EXPECT_EQ(failed.dsn, "4.7.5");
}

TEST(Dane, InsecureTlsaRecordsAreIgnored) {
  auto d = run({}, {"3 1 1 " + kDigest256}, dns::Security::insecure);
  EXPECT_EQ(d.level, TlsLevel::may);
  EXPECT_TRUE(d.records.empty());
  EXPECT_TRUE(run({TlsLevel::dane_only}, {"3 1 1 " + kDigest256}, dns::Security::insecure).defer);
}

TEST(Dane, TlsaAtTheCnameTargetFirstThenAtTheName) {
  dns::MemoryResolver r;
  r.set_security("", dns::Security::secure);
  ASSERT_TRUE(r.add("_25._tcp.real.example.net", "TLSA", "3 1 1 " + kDigest256).ok());
  ASSERT_TRUE(r.add("_25._tcp.mx.example.org", "TLSA", "2 1 1 " + kDigest256).ok());
  ASSERT_TRUE(r.add("_25._tcp.bare.example.net", "A", "192.0.2.9").ok());  // the name exists, no TLSA
  DaneHost h{"mx.example.org", "real.example.net", 25, true, true};
  auto t = find_tlsa(r, h);
  EXPECT_EQ(t.base_domain, "real.example.net");
  EXPECT_EQ(dns::tlsa_records(t.answer)->front().usage, 3);
  h.canonical = "bare.example.net";
  t = find_tlsa(r, h);
  EXPECT_EQ(t.base_domain, "mx.example.org");
  EXPECT_EQ(dns::tlsa_records(t.answer)->front().usage, 2);
  h.canonical = "";
  h.port = 587;
  EXPECT_EQ(find_tlsa(r, h).answer.outcome, dns::Outcome::nxdomain);
}

TEST(Dane, ApplyCarriesTheRecordsIntoThePolicy) {
  TlsPolicy base;
  base.level = TlsLevel::dane;
  base.ciphers = "high";
  auto d = run({}, {"3 1 1 " + kDigest256});
  TlsPolicy p = apply(base, d);
  EXPECT_TRUE(p.dane_verify());
  EXPECT_TRUE(p.needs_verification());
  EXPECT_EQ(p.tlsa_base, "mx.example.org");
  EXPECT_EQ(*p.ciphers, "high");
  TlsPolicy may = apply(base, run({}, {}));
  EXPECT_EQ(may.level, TlsLevel::may);
  EXPECT_FALSE(may.required());
  EXPECT_FALSE(may.needs_verification());
}

TEST(Dane, InsecureMxPolicyValues) {
  EXPECT_EQ(*parse_insecure_mx_policy("dane"), InsecureMxPolicy::dane);
  EXPECT_EQ(*parse_insecure_mx_policy(" May "), InsecureMxPolicy::may);
  EXPECT_EQ(*parse_insecure_mx_policy("encrypt"), InsecureMxPolicy::encrypt);
  auto bad = parse_insecure_mx_policy("sometimes");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("smtp_tls_dane_insecure_mx_policy"), std::string::npos);
}

}  // namespace
}  // namespace tern::delivery::smtp
