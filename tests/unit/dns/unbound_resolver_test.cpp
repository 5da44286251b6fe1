// The libunbound resolver without a DNS server: libunbound's result mapped to outcomes and
// DNSSEC status, the parameters checked, disable_dns_lookups refused, and lookups against a
// loopback server that never answers (a UDP socket that only reads) ending as temporary
// failures at dns_query_timeout, blocking and asynchronous, never answered inline.
// Answers with data, secure/insecure/bogus against Knot and Unbound: test_dns.py.
#include "dns/unbound_resolver.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fmt/format.h>
#include <unbound.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <thread>

#include "config/config.hpp"
#include "../test_params.hpp"
#include "dns/rdata.hpp"
#include "dns/unbound_answer.hpp"

namespace tern::dns {
namespace {

struct FakeResult {
  std::string qname = "example.test";
  std::vector<std::string> records;
  std::vector<char*> data;
  std::vector<int> len;
  ub_result r{};

  ub_result* get() {
    data.clear();
    len.clear();
    for (auto& s : records) {
      data.push_back(s.data());
      len.push_back(static_cast<int>(s.size()));
    }
    data.push_back(nullptr);
    r.qname = qname.data();
    r.data = data.data();
    r.len = len.data();
    return &r;
  }
};

TEST(UnboundAnswer, DataWithStatusAndTtl) {
  FakeResult f;
  f.records = {encode_address(*IpAddress::parse("192.0.2.1")), encode_address(*IpAddress::parse("192.0.2.2"))};
  ub_result* r = f.get();
  r->havedata = 1;
  r->secure = 1;
  r->ttl = 120;
  Answer a = answer_from_unbound(0, r);
  EXPECT_EQ(a.outcome, Outcome::data);
  EXPECT_EQ(a.security, Security::secure);
  EXPECT_EQ(a.ttl, 120u);
  ASSERT_EQ(a.rdata.size(), 2u);
  EXPECT_EQ(addresses(a)->at(1).to_string(), "192.0.2.2");
  EXPECT_TRUE(a.canonical.empty());
}

TEST(UnboundAnswer, CanonicalNameAfterCname) {
  FakeResult f;
  f.records = {encode_address(*IpAddress::parse("192.0.2.1"))};
  std::string canon = "Target.Example.TEST.";
  ub_result* r = f.get();
  r->havedata = 1;
  r->canonname = canon.data();
  EXPECT_EQ(answer_from_unbound(0, r).canonical, "target.example.test");
  std::string same = "example.test.";
  r->canonname = same.data();
  EXPECT_TRUE(answer_from_unbound(0, r).canonical.empty());
}

TEST(UnboundAnswer, NoDataAndNxdomainKeepTheirStatus) {
  FakeResult f;
  ub_result* r = f.get();
  Answer nodata = answer_from_unbound(0, r);
  EXPECT_EQ(nodata.outcome, Outcome::nodata);
  EXPECT_EQ(nodata.security, Security::insecure);
  EXPECT_TRUE(nodata.rdata.empty());
  r->rcode = 3;
  r->nxdomain = 1;
  r->secure = 1;
  Answer nx = answer_from_unbound(0, r);
  EXPECT_EQ(nx.outcome, Outcome::nxdomain);
  EXPECT_EQ(nx.security, Security::secure);  // a proven non-existence
}

TEST(UnboundAnswer, BogusIsATemporaryFailure) {
  FakeResult f;
  f.records = {encode_address(*IpAddress::parse("192.0.2.1"))};
  std::string why = "signature crypto failed";
  ub_result* r = f.get();
  r->havedata = 1;
  r->bogus = 1;
  r->why_bogus = why.data();
  Answer a = answer_from_unbound(0, r);
  EXPECT_EQ(a.outcome, Outcome::temporary);
  EXPECT_EQ(a.security, Security::bogus);
  EXPECT_TRUE(a.rdata.empty());
  EXPECT_NE(a.error.find("signature crypto failed"), std::string::npos) << a.error;
}

TEST(UnboundAnswer, ServerFailuresAndResolverErrors) {
  FakeResult f;
  ub_result* r = f.get();
  r->rcode = 2;
  Answer servfail = answer_from_unbound(0, r);
  EXPECT_EQ(servfail.outcome, Outcome::temporary);
  EXPECT_EQ(servfail.error, "SERVFAIL from the DNS server");
  r->rcode = 5;
  EXPECT_EQ(answer_from_unbound(0, r).error, "REFUSED from the DNS server");
  r->rcode = 9;
  EXPECT_EQ(answer_from_unbound(0, r).error, "RCODE 9 from the DNS server");
  Answer err = answer_from_unbound(UB_SERVFAIL, nullptr);
  EXPECT_EQ(err.outcome, Outcome::temporary);
  EXPECT_NE(err.error.find("resolver error"), std::string::npos);
}

config::Params params(const std::vector<std::pair<std::string, std::string>>& settings) {
  return tern::testing::test_params(settings);
}

TEST(UnboundOptions, FromTheParameters) {
  auto o = unbound_options(params({{"dns_forward_servers", "127.0.0.1@5353, ::1, 192.0.2.53"},
                                   {"dns_trust_anchor_file", "anchors.txt"},
                                   {"dns_query_timeout", "3s"}}));
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->forward_servers, (std::vector<std::string>{"127.0.0.1@5353", "::1", "192.0.2.53"}));
  EXPECT_EQ(o->trust_anchor_file, "/etc/tern/anchors.txt");
  EXPECT_EQ(o->timeout, std::chrono::milliseconds(3000));
}

TEST(UnboundOptions, BadForwardersNameTheParameter) {
  for (const char* bad : {"resolver.example", "127.0.0.1@", "127.0.0.1@0", "127.0.0.1@70000", "[::1]@53", "1.2.3"}) {
    auto o = unbound_options(params({{"dns_forward_servers", bad}}));
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_NE(o.error().message.find("dns_forward_servers"), std::string::npos) << o.error().message;
  }
}

TEST(MakeResolver, DisableDnsLookupsRefuses) {
  config::Config cfg;
  cfg.params = params({{"disable_dns_lookups", "yes"}, {"dns_forward_servers", "127.0.0.1@25199"}});
  auto r = make_resolver(cfg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "DNS lookups are disabled (disable_dns_lookups = yes)");
}

TEST(MakeResolver, ValidatesOnlyWithAnExistingAnchorFile) {
  UnboundOptions o;
  o.forward_servers = {"127.0.0.1@25199"};
  o.trust_anchor_file = "/nonexistent/anchors.txt";
  auto r = UnboundResolver::make(o, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE((*r)->validating());
  EXPECT_THROW((*r)->start("example.test", Type::A, [](Answer) {}), std::logic_error);
}

TEST(AnchorRecords, OneStringPerRecord) {
  auto rrs = anchor_records(
      "; trust anchors\n"
      "example.test. 3600 IN DS 19478 13 2 2a20853 ; keytag\n"
      "\n"
      ". IN DNSKEY 257 3 8 (\n"
      "   AwEAAaz/tAm8\n"
      "   yTn4Mfeh ) ; KSK\n");
  ASSERT_TRUE(rrs.ok()) << rrs.error().message;
  ASSERT_EQ(rrs->size(), 2u);
  EXPECT_EQ((*rrs)[0], "example.test. 3600 IN DS 19478 13 2 2a20853");
  EXPECT_EQ((*rrs)[1], ". IN DNSKEY 257 3 8  AwEAAaz/tAm8 yTn4Mfeh ");
  EXPECT_TRUE(anchor_records("").ok());
}

TEST(AnchorRecords, MalformedFilesAreErrors) {
  EXPECT_EQ(anchor_records("$ORIGIN example.\n").error().message, "line 1: zone file directives are not supported");
  EXPECT_EQ(anchor_records(". DNSKEY 257 3 8 (\nAAAA\n").error().message, "unclosed \"(\" at the end");
  EXPECT_EQ(anchor_records("\n. DNSKEY ) 257\n").error().message, "line 2: \")\" without \"(\"");
}

TEST(MakeResolver, ReadsTheAnchorsWhenMade) {
  char path[] = "/tmp/tern-anchors-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string text = "example.test. 3600 IN DS 19478 13 2 2a208531f1fcce0c90c39929911379f18844ab77fea5bebc876be5df8d4b87f3\n";
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
  UnboundOptions o;
  o.forward_servers = {"127.0.0.1@25199"};
  o.trust_anchor_file = path;
  auto r = UnboundResolver::make(o, nullptr);
  ::unlink(path);  // gone before the first lookup, as after a chroot
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE((*r)->validating());
  o.trust_anchor_file = "/dev/null";  // not a regular file: no validation
  EXPECT_FALSE((*UnboundResolver::make(o, nullptr))->validating());
}

// A UDP "server" on loopback that reads queries and never answers.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (port_ = 25190; port_ < 25199; ++port_) {
      sa.sin_port = htons(static_cast<uint16_t>(port_));
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return;
    }
    port_ = 0;
  }
  ~SilentServer() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

UnboundOptions silent_options(const SilentServer& s) {
  UnboundOptions o;
  o.forward_servers = {"127.0.0.1@" + std::to_string(s.port())};
  o.timeout = std::chrono::milliseconds(300);
  return o;
}

TEST(UnboundResolver, BlockingLookupTimesOut) {
  SilentServer s;
  ASSERT_NE(s.port(), 0);
  auto r = UnboundResolver::make(silent_options(s), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto start = std::chrono::steady_clock::now();
  Answer a = (*r)->lookup("mx.example.test", Type::A);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(a.outcome, Outcome::temporary);
  EXPECT_EQ(a.error, "lookup of mx.example.test/A timed out after 300ms");
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(UnboundResolver, ConcurrentBlockingLookupsEachEnd) {
  SilentServer s;
  ASSERT_NE(s.port(), 0);
  auto r = UnboundResolver::make(silent_options(s), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<Answer> answers(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < answers.size(); ++i)
    threads.emplace_back([&, i] { answers[i] = (*r)->lookup(fmt::format("h{}.example.test", i), Type::MX); });
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].outcome, Outcome::temporary);
    EXPECT_EQ(answers[i].error, fmt::format("lookup of h{}.example.test/MX timed out after 300ms", i));
  }
}

TEST(UnboundResolver, AsyncLookupAnswersThroughTheEventLoop) {
  SilentServer s;
  ASSERT_NE(s.port(), 0);
  asio::io_context io;
  auto r = UnboundResolver::make(silent_options(s), &io);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<Answer> got;
  (*r)->start("a.example.test", Type::TXT, [&](Answer a) { got.push_back(std::move(a)); });
  (*r)->start("b.example.test", Type::TLSA, [&](Answer a) { got.push_back(std::move(a)); });
  EXPECT_TRUE(got.empty());  // never inline
  auto start = std::chrono::steady_clock::now();
  io.run_for(std::chrono::seconds(5));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));  // nothing left waiting
  ASSERT_EQ(got.size(), 2u);
  for (const auto& a : got) {
    EXPECT_EQ(a.outcome, Outcome::temporary);
    EXPECT_NE(a.error.find("timed out after 300ms"), std::string::npos) << a.error;
  }
}

TEST(UnboundResolver, DestroyedWithLookupsOutstanding) {
  SilentServer s;
  ASSERT_NE(s.port(), 0);
  asio::io_context io;
  int calls = 0;
  {
    auto r = UnboundResolver::make(silent_options(s), &io);
    ASSERT_TRUE(r.ok()) << r.error().message;
    (*r)->start("a.example.test", Type::A, [&](Answer) { ++calls; });
    io.run_for(std::chrono::milliseconds(50));
  }
  io.run_for(std::chrono::seconds(1));
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace tern::dns
