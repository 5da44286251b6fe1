// check_host() beyond the suites: the coroutine on an event loop (answers arrive later,
// as from libunbound), the identities, the configurable void-lookup limit, the
// explanation and default explanation, and the reasons reported with errors.
#include "spf/check.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "dns/memory_resolver.hpp"

namespace tern::spf {
namespace {

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

TEST(SpfCheck, CoroutineOnAnEventLoop) {
  asio::io_context io;
  dns::MemoryResolver r([&io](std::function<void()> f) { asio::post(io, std::move(f)); });
  ASSERT_TRUE(r.add("example.org", "TXT", "v=spf1 mx include:_spf.example.net -all").ok());
  ASSERT_TRUE(r.add("example.org", "MX", "10 mx.example.org").ok());
  ASSERT_TRUE(r.add("mx.example.org", "A", "192.0.2.1").ok());
  ASSERT_TRUE(r.add("_spf.example.net", "TXT", "v=spf1 ip4:198.51.100.0/24 -all").ok());
  std::vector<Verdict> got;
  for (const char* a : {"192.0.2.1", "198.51.100.7", "203.0.113.9"})
    asio::co_spawn(io, check_host(r, mail_from_query(ip(a), "alice@example.org", "client.example")),
                   [&](std::exception_ptr e, Outcome o) {
                     EXPECT_FALSE(e);
                     got.push_back(o.verdict);
                   });
  io.run();
  ASSERT_EQ(got.size(), 3u);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<Verdict>{Verdict::pass, Verdict::pass, Verdict::fail}));
}

TEST(SpfCheck, Identities) {
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("mail.example.org", "TXT", "v=spf1 a -all").ok());
  ASSERT_TRUE(r.add("mail.example.org", "A", "192.0.2.1").ok());
  ASSERT_TRUE(r.add("example.org", "TXT", "v=spf1 -all exp=why.example.org").ok());
  ASSERT_TRUE(r.add("why.example.org", "TXT", "%{s} via %{h}: no").ok());
  auto helo = helo_query(ip("192.0.2.1"), "mail.example.org");
  EXPECT_EQ(helo.sender, "postmaster@mail.example.org");
  EXPECT_EQ(check_host_blocking(r, helo).verdict, Verdict::pass);
  auto null_sender = mail_from_query(ip("192.0.2.1"), "", "mail.example.org");
  EXPECT_EQ(null_sender.identity, Identity::helo);
  EXPECT_EQ(check_host_blocking(r, null_sender).verdict, Verdict::pass);
  auto from = mail_from_query(ip("::ffff:192.0.2.1"), "bob@example.org", "mail.example.org");
  Outcome o = check_host_blocking(r, from);
  EXPECT_EQ(o.verdict, Verdict::fail);
  EXPECT_EQ(o.explanation, "bob@example.org via mail.example.org: no");
  EXPECT_EQ(o.mechanism, "-all");
  auto no_local = mail_from_query(ip("192.0.2.1"), "@example.org", "mail.example.org");
  EXPECT_EQ(no_local.sender, "postmaster@example.org");
  EXPECT_EQ(check_host_blocking(r, helo_query(ip("192.0.2.1"), "[192.0.2.1]")).verdict, Verdict::none);
  EXPECT_EQ(check_host_blocking(r, helo_query(ip("192.0.2.1"), "localhost")).verdict, Verdict::none);
}

TEST(SpfCheck, DefaultExplanationOnlyWithoutUsableExp) {
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("example.org", "TXT", "v=spf1 -all").ok());
  auto q = mail_from_query(ip("192.0.2.9"), "bob@example.org", "h.example");
  EXPECT_EQ(check_host_blocking(r, q).explanation, "");
  q.default_explanation = *parse_macro_string("%{i} is not allowed to send mail as %{s}", MacroUse::explanation);
  EXPECT_EQ(check_host_blocking(r, q).explanation, "192.0.2.9 is not allowed to send mail as bob@example.org");
}

TEST(SpfCheck, VoidLookupLimitIsAParameter) {
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("example.org", "TXT", "v=spf1 a:n1.example.org a:n2.example.org a:n3.example.org ?all").ok());
  auto q = mail_from_query(ip("192.0.2.9"), "bob@example.org", "h.example");
  Outcome o = check_host_blocking(r, q);
  EXPECT_EQ(o.verdict, Verdict::permerror);
  EXPECT_NE(o.problem.find("void"), std::string::npos);
  q.limits.void_lookups = 3;
  EXPECT_EQ(check_host_blocking(r, q).verdict, Verdict::neutral);
}

TEST(SpfCheck, TemperrorKeptApartFromNone) {
  dns::MemoryResolver r;
  r.fail("down.example", dns::Type::TXT);
  ASSERT_TRUE(r.add("inc.example", "TXT", "v=spf1 include:down.example -all").ok());
  auto down = check_host_blocking(r, mail_from_query(ip("192.0.2.9"), "a@down.example", "h.example"));
  EXPECT_EQ(down.verdict, Verdict::temperror);
  EXPECT_FALSE(down.problem.empty());
  EXPECT_EQ(check_host_blocking(r, mail_from_query(ip("192.0.2.9"), "a@inc.example", "h.example")).verdict,
            Verdict::temperror);
  EXPECT_EQ(check_host_blocking(r, mail_from_query(ip("192.0.2.9"), "a@absent.example", "h.example")).verdict,
            Verdict::none);
}

TEST(SpfCheck, MxLookupsStopAtTen) {
  dns::MemoryResolver r;
  ASSERT_TRUE(r.add("example.org", "TXT", "v=spf1 mx -all").ok());
  for (int i = 1; i <= 11; ++i) {
    std::string host = "mx" + std::to_string(i) + ".example.org";
    ASSERT_TRUE(r.add("example.org", "MX", std::to_string(i) + " " + host).ok());
    ASSERT_TRUE(r.add(host, "A", "192.0.2." + std::to_string(i)).ok());
  }
  auto q = [&](const char* a) { return check_host_blocking(r, mail_from_query(ip(a), "x@example.org", "h.example")); };
  EXPECT_EQ(q("192.0.2.3").verdict, Verdict::pass);       // found among the first ten
  EXPECT_EQ(q("192.0.2.11").verdict, Verdict::permerror);  // would need an eleventh lookup
}

TEST(SpfCheck, DnsMechanismLimitCountsAcrossIncludes) {
  dns::MemoryResolver r;
  std::string rec = "v=spf1";
  for (int i = 0; i < 6; ++i) rec += " a";
  ASSERT_TRUE(r.add("example.org", "TXT", rec + " include:inc.example.org -all").ok());
  ASSERT_TRUE(r.add("example.org", "A", "192.0.2.1").ok());
  ASSERT_TRUE(r.add("inc.example.org", "TXT", "v=spf1 a a a a ip4:192.0.2.99").ok());
  ASSERT_TRUE(r.add("inc.example.org", "A", "192.0.2.1").ok());
  Outcome o = check_host_blocking(r, mail_from_query(ip("192.0.2.99"), "x@example.org", "h.example"));
  EXPECT_EQ(o.verdict, Verdict::permerror);  // 6 + include + 4 = 11
  EXPECT_NE(o.problem.find("more than 10"), std::string::npos);
}

}  // namespace
}  // namespace tern::spf
