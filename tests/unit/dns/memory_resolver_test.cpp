// The in-memory resolver the evaluators' unit tests stand on: data, no data, NXDOMAIN,
// CNAMEs, failures and DNSSEC status, and start() answering later, never inline.
#include "dns/memory_resolver.hpp"

#include <gtest/gtest.h>

#include "dns/rdata.hpp"

namespace tern::dns {
namespace {

TEST(MemoryResolver, OutcomesFollowTheDnsRules) {
  MemoryResolver r;
  ASSERT_TRUE(r.add("example.org", "MX", "10 mx.example.org").ok());
  ASSERT_TRUE(r.add("mx.example.org", "A", "192.0.2.1").ok());
  ASSERT_TRUE(r.add("_25._tcp.mx.example.org", "TLSA", "3 1 1 abcd").ok());
  auto mx = r.lookup("Example.ORG.", Type::MX);
  EXPECT_EQ(mx.outcome, Outcome::data);
  EXPECT_EQ(mx_records(mx)->front().host, "mx.example.org");
  EXPECT_EQ(r.lookup("example.org", Type::A).outcome, Outcome::nodata);
  EXPECT_EQ(r.lookup("_tcp.mx.example.org", Type::TXT).outcome, Outcome::nodata);  // empty non-terminal
  EXPECT_EQ(r.lookup("nope.example.org", Type::A).outcome, Outcome::nxdomain);
  EXPECT_EQ(tlsa_records(r.lookup("_25._tcp.mx.example.org", Type::TLSA))->front().usage, 3);
  EXPECT_EQ(r.queries(), 5u);
}

TEST(MemoryResolver, RejectsBadRecordText) {
  MemoryResolver r;
  EXPECT_FALSE(r.add("x", "A", "2001:db8::1").ok());
  EXPECT_FALSE(r.add("x", "MX", "ten mx").ok());
  EXPECT_FALSE(r.add("x", "TLSA", "3 1 1 abc").ok());
  EXPECT_FALSE(r.add("x", "SRV", "0 0 25 mx").ok());
}

TEST(MemoryResolver, TxtStringsAsWritten) {
  MemoryResolver r;
  ASSERT_TRUE(r.add("a.example", "TXT", "\"v=spf1 \" \"-all\"").ok());
  ASSERT_TRUE(r.add("b.example", "TXT", std::string(300, 'x')).ok());
  EXPECT_EQ(txt_strings(r.lookup("a.example", Type::TXT))->front(), "v=spf1 -all");
  auto b = r.lookup("b.example", Type::TXT);
  EXPECT_EQ(decode_txt(b.rdata.front())->size(), 2u);
  EXPECT_EQ(txt_strings(b)->front().size(), 300u);
}

TEST(MemoryResolver, CnamesAreFollowed) {
  MemoryResolver r;
  ASSERT_TRUE(r.add("www.example", "CNAME", "host.example").ok());
  ASSERT_TRUE(r.add("host.example", "A", "192.0.2.9").ok());
  auto a = r.lookup("www.example", Type::A);
  EXPECT_EQ(a.outcome, Outcome::data);
  EXPECT_EQ(a.canonical, "host.example");
}

TEST(MemoryResolver, FailuresAndSecurity) {
  MemoryResolver r;
  ASSERT_TRUE(r.add("mx.secure.example", "A", "192.0.2.1").ok());
  ASSERT_TRUE(r.add("mx.bogus.example", "A", "192.0.2.2").ok());
  r.fail("slow.example", Type::TXT);
  r.set_security("secure.example", Security::secure);
  r.set_security("bogus.example", Security::bogus);
  auto t = r.lookup("slow.example", Type::TXT);
  EXPECT_EQ(t.outcome, Outcome::temporary);
  EXPECT_FALSE(t.error.empty());
  EXPECT_TRUE(r.lookup("mx.secure.example", Type::A).secure());
  auto bogus = r.lookup("mx.bogus.example", Type::A);
  EXPECT_EQ(bogus.outcome, Outcome::temporary);
  EXPECT_EQ(bogus.security, Security::bogus);
  EXPECT_EQ(r.lookup("other.example", Type::A).security, Security::insecure);
}

TEST(MemoryResolver, StartAnswersLaterNotInline) {
  MemoryResolver r;
  ASSERT_TRUE(r.add("example.org", "A", "192.0.2.1").ok());
  int called = 0;
  r.start("example.org", Type::A, [&](Answer a) {
    ++called;
    EXPECT_TRUE(a.has_data());
  });
  EXPECT_EQ(called, 0);
  EXPECT_EQ(r.run_pending(), 1u);
  EXPECT_EQ(called, 1);
}

}  // namespace
}  // namespace tern::dns
