// check_reputation over the in-memory resolver: each policyd-weight check, the thresholds,
// the reply wording, the result cache and the states it stays out of.
#include "policy/reputation.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "dns/blocking.hpp"
#include "dns/memory_resolver.hpp"

namespace tern::policy::reputation {
namespace {

// The zones of the policyd-weight peer recipe: example.test with MX mx (192.0.2.25) and
// mx2 (192.0.2.26), rbl.example.test / rhsbl.example.test as the only lists.
struct World {
  dns::MemoryResolver dns;
  Settings s;

  World() {
    add("example.test", "MX", "10 mx.example.test");
    add("example.test", "MX", "20 mx2.example.test");
    add("mx.example.test", "A", "192.0.2.25");
    add("mx2.example.test", "A", "192.0.2.26");
    add("25.2.0.192.in-addr.arpa", "PTR", "mx.example.test");
    add("26.2.0.192.in-addr.arpa", "PTR", "mx2.example.test");
    s.scores = default_scores();
    s.scores.dnsbl = {{"rbl.example.test", 4.35, -1.5, "RBL_TEST"}};
    s.scores.rhsbl = {{"rhsbl.example.test", 4, 0, "RHSBL_TEST"}};
    s.reject_reply = "550 Mail appeared to be SPAM or forged";
    s.dnsbl_reply = "550 Your MTA is listed in too many DNSBLs";
    s.dns_error_reply = "450 No DNS entries for your MTA, HELO and Domain. Contact YOUR administrator";
    s.defer_checks = {"IN_SPAMCOP=", "BOGUS_MX="};
    s.defer_code = "450";
    s.header = "X-Tern-Reputation";
  }
  void add(const char* name, const char* type, const char* value) { ASSERT_TRUE(dns.add(name, type, value).ok()); }
  void list(const char* ip_reversed, const char* zone = "rbl.example.test") {
    add((std::string(ip_reversed) + "." + zone).c_str(), "A", "127.0.0.2");
  }
  Report run(const char* ip, const char* helo, const char* sender, const char* name = "unknown") {
    return evaluate_blocking(dns, s.scores, s.limits, client(ip, helo, sender, name));
  }
  static Client client(const char* ip, const char* helo, const char* sender, const char* name = "unknown") {
    return Client{*IpAddress::parse(ip), helo, sender, name};
  }
  std::string decide(const char* ip, const char* helo, const char* sender, const char* name = "unknown") {
    return action(s, run(ip, helo, sender, name), client(ip, helo, sender, name));
  }
};

bool has_entry(const Report& r, const std::string& text) {
  for (const auto& e : r.entries)
    if (e.text() == text) return true;
  return false;
}

TEST(Reputation, ClientIsTheSenderDomainsMx) {
  World w;
  EXPECT_EQ(w.decide("192.0.2.25", "mx.example.test", "alice@example.test", "mx.example.test"),
            "PREPEND X-Tern-Reputation: NOT_IN_RBL_TEST=-1.5 CL_IP_EQ_FROM_MX=-3.1; rate: -4.6");
}

TEST(Reputation, DnsblListingRejects) {
  World w;
  w.list("26.2.0.192");
  Report r = w.run("192.0.2.26", "mx2.example.test", "alice@example.test", "mx2.example.test");
  EXPECT_EQ(r.explanation(), "IN_RBL_TEST=4.35 CL_IP_EQ_FROM_MX=-3.1");
  EXPECT_DOUBLE_EQ(r.rate, 1.25);
  EXPECT_EQ(r.dnsbl_hits, 1);
  EXPECT_EQ(action(w.s, r, World::client("192.0.2.26", "mx2.example.test", "alice@example.test", "mx2.example.test")),
            "550 Mail appeared to be SPAM or forged; rate: 1.25");
}

TEST(Reputation, RejectLevelIsConfigurable) {
  World w;
  w.list("26.2.0.192");
  w.s.limits.reject_level = 1.5;
  EXPECT_EQ(w.decide("192.0.2.26", "mx2.example.test", "alice@example.test", "mx2.example.test"),
            "PREPEND X-Tern-Reputation: IN_RBL_TEST=4.35 CL_IP_EQ_FROM_MX=-3.1; rate: 1.25");
  w.s.header.clear();
  EXPECT_EQ(w.decide("192.0.2.26", "mx2.example.test", "alice@example.test", "mx2.example.test"), "DUNNO");
}

TEST(Reputation, DnsblHitAndScoreLimits) {
  World w;
  w.s.scores.dnsbl = {{"a.example.test", 3, 0, "A"}, {"b.example.test", 3, 0, "B"}, {"c.example.test", 3, 0, "C"}};
  for (const char* z : {"a.example.test", "b.example.test", "c.example.test"}) w.list("26.2.0.192", z);
  Report r = w.run("192.0.2.26", "mx2.example.test", "alice@example.test");
  EXPECT_EQ(r.outcome, Outcome::dnsbl_limit);  // three hits > MAXDNSBLHITS 2 (and 9 > 8)
  EXPECT_EQ(r.dnsbl_hits, 3);
  EXPECT_EQ(action(w.s, r, World::client("192.0.2.26", "x", "a@b")), "550 Your MTA is listed in too many DNSBLs; rate: 9");
  w.s.limits.max_dnsbl_score = 5;  // 6 > 5 after the second list
  r = w.run("192.0.2.26", "mx2.example.test", "alice@example.test");
  EXPECT_EQ(r.outcome, Outcome::dnsbl_limit);
  EXPECT_EQ(r.dnsbl_hits, 2);
  w.s.limits.max_dnsbl_score = 100;
  w.s.limits.max_dnsbl_hits = 3;
  EXPECT_EQ(w.run("192.0.2.26", "mx2.example.test", "alice@example.test").outcome, Outcome::scored);
}

TEST(Reputation, DynamicListMarksDialup) {
  World w;
  w.s.scores.dnsbl = {{"pbl.example.test", 3.25, 0, "DYN_PBL"}};
  w.list("7.100.51.198", "pbl.example.test");
  Report r = w.run("198.51.100.7", "pc7.home.example", "bob@example.test");
  EXPECT_TRUE(has_entry(r, "IN_DYN_PBL=3.25"));
  EXPECT_TRUE(r.cacheable_by_client);
}

TEST(Reputation, HeloResolvesToClient) {
  World w;
  w.add("host.other.net", "A", "198.51.100.7");
  Report r = w.run("198.51.100.7", "host.other.net", "alice@example.test", "host.other.net");
  EXPECT_EQ(r.explanation(), "NOT_IN_RBL_TEST=-1.5 CL_IP_EQ_HELO_IP=-2 FROM/MX_MATCHES_NOT_HELO(DOMAIN)=1");
  EXPECT_DOUBLE_EQ(r.rate, -2.5);
  // policyd-weight's domain reduction: "host.other.example" keeps ".example.", the sender's.
  w.add("host.other.example", "A", "198.51.100.7");
  r = w.run("198.51.100.7", "host.other.example", "alice@example.test");
  EXPECT_TRUE(has_entry(r, "FROM/MX_MATCHES_HELO(DOMAIN)=-2")) << r.explanation();
}

TEST(Reputation, HeloFromReverseName) {
  World w;  // the HELO is not in the DNS, but it is the client's PTR name
  w.add("7.100.51.198.in-addr.arpa", "PTR", "host.other.example");
  Report r = w.run("198.51.100.7", "host.other.example", "alice@example.test");
  EXPECT_TRUE(has_entry(r, "CL_IP_NE_HELO=1.5"));
  EXPECT_TRUE(has_entry(r, "REV_IP_EQ_HELO=-1.25"));
  EXPECT_FALSE(has_entry(r, "RESOLVED_IP_IS_NOT_HELO=1.5"));
  // A PTR in the HELO's domain counts too.
  World d;
  d.add("7.100.51.198.in-addr.arpa", "PTR", "out7.other.example");
  r = d.run("198.51.100.7", "relay.other.example", "alice@example.test");
  EXPECT_TRUE(has_entry(r, "REV_IP_EQ_HELO_DOMAIN=-1.25"));
  // Anything else is a mismatch, named in the reject.
  World m;
  m.add("7.100.51.198.in-addr.arpa", "PTR", "elsewhere.example.net");
  r = m.run("198.51.100.7", "relay.other.example", "alice@example.test");
  EXPECT_TRUE(has_entry(r, "RESOLVED_IP_IS_NOT_HELO=1.5"));
  EXPECT_FALSE(r.helo_trusted);
  EXPECT_EQ(action(m.s, r, World::client("198.51.100.7", "relay.other.example", "alice@example.test")),
            "550 Mail appeared to be SPAM or forged; MTA helo: relay.other.example, MTA hostname: unknown[198.51.100.7] "
            "(helo/hostname mismatch); rate: " + perl_number(r.rate));
}

TEST(Reputation, HeloInClientSubnet) {
  World w;
  w.add("gw.other.example", "A", "198.51.100.9");
  Report r = w.run("198.51.100.7", "gw.other.example", "carol@other.example");
  EXPECT_TRUE(has_entry(r, "HELO_IP_IN_CL_SUBNET=-1.2"));
  World w16;
  w16.add("gw.other.example", "A", "198.51.7.9");
  r = w16.run("198.51.100.7", "gw.other.example", "carol@other.example");
  EXPECT_TRUE(has_entry(r, "HELO_IP_IN_CL16_SUBNET=-0.41"));
}

TEST(Reputation, ClientIpEqualsSenderDomainA) {
  World w;
  w.add("solo.example", "A", "203.0.113.5");
  Report r = w.run("203.0.113.5", "solo.example", "dave@solo.example", "solo.example");
  EXPECT_TRUE(has_entry(r, "CL_IP_EQ_FROM_IP=-2")) << r.explanation();
  EXPECT_FALSE(has_entry(r, "BOGUS_MX=2.1"));  // no MX, but an address is enough
}

TEST(Reputation, BogusMxDefersBelowTheDeferLevel) {
  World w;
  w.add("bogus.example", "MX", "10 lo.bogus.example");
  w.add("lo.bogus.example", "A", "127.0.0.1");
  w.add("7.100.51.198.in-addr.arpa", "PTR", "host.other.example");
  Report r = w.run("198.51.100.7", "host.other.example", "eve@bogus.example");
  EXPECT_TRUE(has_entry(r, "BOGUS_MX=2.1")) << r.explanation();
  std::string a = action(w.s, r, World::client("198.51.100.7", "host.other.example", "eve@bogus.example"));
  ASSERT_LT(r.rate, 5);
  EXPECT_EQ(a.substr(0, 4), "450 ") << a;
  // No MX and no A at all is bogus as well; private addresses too.
  for (const char* addr : {"10.1.2.3", "172.20.0.1", "192.168.1.1"}) {
    World p;
    p.add("priv.example", "A", addr);
    EXPECT_TRUE(has_entry(p.run("198.51.100.7", "x.other.example", "f@priv.example"), "BOGUS_MX=2.1")) << addr;
  }
  World n;
  EXPECT_TRUE(has_entry(n.run("198.51.100.7", "x.other.example", "f@missing.example"), "BOGUS_MX=2.1"));
  World pub;
  pub.add("pub.example", "A", "172.32.0.1");
  EXPECT_FALSE(has_entry(pub.run("198.51.100.7", "x.other.example", "f@pub.example"), "BOGUS_MX=2.1"));
}

TEST(Reputation, BadMxWeighsTheDnsblScore) {
  World w;
  w.list("7.100.51.198");
  Report r = w.run("198.51.100.7", "x.other.example", "f@missing.example");
  EXPECT_TRUE(has_entry(r, "BAD_MX=" + perl_number(2.1 * 4.35))) << r.explanation();
  EXPECT_TRUE(has_entry(r, "BOGUS_MX=6.45")) << r.explanation();
}

TEST(Reputation, NumericHelo) {
  World w;
  Report r = w.run("198.51.100.7", "198.51.100.7", "alice@example.test");
  EXPECT_TRUE(has_entry(r, "HELO_NUMERIC=2.5")) << r.explanation();
  r = w.run("198.51.100.7", "[198.51.100.7]", "alice@example.test");
  EXPECT_TRUE(has_entry(r, "HELO_NUMERIC=2.5")) << r.explanation();
  EXPECT_TRUE(r.helo_trusted);  // the bracketed literal names the client
  // "198.51.100.7", "51.100.7", "100.7" cannot exist: not asked, so their failures do not count.
  World f;
  for (const char* n : {"198.51.100.7", "51.100.7", "100.7"}) f.dns.fail(n, dns::Type::MX);
  r = f.run("198.51.100.7", "198.51.100.7", "alice@example.test");
  EXPECT_EQ(r.outcome, Outcome::scored) << r.explanation();
}

TEST(Reputation, DialupNames) {
  World w;
  w.add("7.100.51.198.in-addr.arpa", "PTR", "dsl-198-51-100-7.dyn.isp.example");
  Report r = w.run("198.51.100.7", "home.other.example", "alice@example.test");
  EXPECT_TRUE(has_entry(r, "CL_SEEMS_DIALUP=3.75")) << r.explanation();
  World h;
  r = h.run("198.51.100.7", "pool-198-51-100-7.cable.isp.example", "alice@example.test");
  EXPECT_TRUE(has_entry(r, "NOK_HELO_SEEMS_DIALUP=5")) << r.explanation();
  EXPECT_NE(r.dyndns_note.find("DynDNS"), std::string::npos);
  World s;  // a server-like PTR name is not dial-up
  s.add("7.100.51.198.in-addr.arpa", "PTR", "mail.dyn.isp.example");
  EXPECT_FALSE(has_entry(s.run("198.51.100.7", "home.other.example", "alice@example.test"), "CL_SEEMS_DIALUP=3.75"));
}

TEST(Reputation, SenderLocalParts) {
  World w;
  Report r = w.run("192.0.2.25", "mx.example.test", "xkcdqwrtz@example.test", "mx.example.test");
  EXPECT_TRUE(has_entry(r, "RANDOM_SENDER=0.25")) << r.explanation();
  r = w.run("192.0.2.25", "mx.example.test", "aeiou@example.test", "mx.example.test");
  EXPECT_TRUE(has_entry(r, "RANDOM_SENDER=0.25")) << r.explanation();
  r = w.run("192.0.2.25", "mx.example.test", "alice+bcdfgkl@example.test", "mx.example.test");  // the extension is dropped
  EXPECT_FALSE(has_entry(r, "RANDOM_SENDER=0.25")) << r.explanation();
  r = w.run("192.0.2.25", "mx.example.test", "nobody@example.test", "mx.example.test");
  EXPECT_TRUE(has_entry(r, "FROM_NBDY_ANON=1.17")) << r.explanation();
}

TEST(Reputation, RhsblListing) {
  World w;
  w.add("example.test.rhsbl.example.test", "A", "127.0.0.2");
  Report r = w.run("192.0.2.25", "mx.example.test", "alice@example.test", "mx.example.test");
  EXPECT_TRUE(has_entry(r, "IN_RHSBL_TEST=4")) << r.explanation();
  EXPECT_DOUBLE_EQ(r.rate, -0.6);
  EXPECT_EQ(r.rhsbl_note, "; in rhsbl.example.test");
}

TEST(Reputation, DnsErrors) {
  World w;
  w.dns.fail("25.2.0.192.rbl.example.test", dns::Type::A);
  Report r = w.run("192.0.2.25", "mx.example.test", "alice@example.test", "mx.example.test");
  EXPECT_TRUE(has_entry(r, "RBL_TEST=ERR(-1.5)")) << r.explanation();
  EXPECT_EQ(r.outcome, Outcome::scored);
  // MAXDNSERR failed lookups: pass with policyd-weight's note.
  World t;
  t.dns.fail("25.2.0.192.rbl.example.test", dns::Type::A);
  t.dns.fail("example.test", dns::Type::MX);
  t.dns.fail("mx.example.test", dns::Type::MX);
  r = t.run("192.0.2.25", "mx.example.test", "alice@example.test");
  EXPECT_EQ(r.outcome, Outcome::dns_trouble);
  EXPECT_EQ(action(t.s, r, World::client("192.0.2.25", "h", "a@b")),
            "PREPEND X-Tern-Reputation: passed - too many local DNS-errors");
  // Nothing in the DNS answered: DNSERRMSG.
  World n;
  n.dns.fail("example.test", dns::Type::MX);
  r = n.run("198.51.100.7", "localhost", "alice@example.test");
  EXPECT_EQ(r.outcome, Outcome::no_dns) << r.explanation();
  EXPECT_EQ(action(n.s, r, World::client("198.51.100.7", "localhost", "alice@example.test")),
            "450 No DNS entries for your MTA, HELO and Domain. Contact YOUR administrator Your HELO: localhost, IP: 198.51.100.7");
}

TEST(Reputation, Ipv6Client) {
  World w;
  w.add("example.test", "MX", "30 mx6.example.test");
  w.add("mx6.example.test", "AAAA", "2001:db8::25");
  Report r = w.run("2001:db8::25", "mx6.example.test", "alice@example.test", "mx6.example.test");
  EXPECT_TRUE(has_entry(r, "CL_IP_EQ_FROM_MX=-3.1")) << r.explanation();
  w.add("5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.rbl.example.test", "A", "127.0.0.2");
  EXPECT_TRUE(has_entry(w.run("2001:db8::25", "mx6.example.test", "alice@example.test"), "IN_RBL_TEST=4.35"));
}

TEST(Reputation, PerlNumbers) {
  EXPECT_EQ(perl_number(-4.6), "-4.6");
  EXPECT_EQ(perl_number(-1.5 + -3.1), "-4.6");
  EXPECT_EQ(perl_number(3), "3");
  EXPECT_EQ(perl_number(0.1 + 0.2), "0.3");
  EXPECT_DOUBLE_EQ(perl_round(12.345678), 12.346);
  EXPECT_DOUBLE_EQ(perl_round(-1.23456), -1.235);
  EXPECT_DOUBLE_EQ(perl_round(7), 7);
}

// ---- the Delegate: protocol states, cache

asio::awaitable<std::string> answer(ReputationPolicy& p, PolicyRequest req) {
  Result<std::string> r = co_await p.ask(req);
  co_return r.ok() ? *r : "ERROR " + r.error().message;
}

struct Asked {
  asio::io_context io;
  std::shared_ptr<dns::PostingResolver> dns;  // answers arrive later, through the io_context
  std::chrono::steady_clock::time_point now{};
  std::unique_ptr<ReputationPolicy> policy;

  explicit Asked(World& w) {
    dns = std::make_shared<dns::PostingResolver>(w.dns, io);
    w.s.positive_cache_time = std::chrono::hours(3);
    w.s.negative_cache_time = std::chrono::seconds(30);
    policy = std::make_unique<ReputationPolicy>(w.s, dns, [this] { return now; });
  }
  std::string ask(std::vector<std::pair<std::string, std::string>> attrs) {
    PolicyRequest req;
    req.attributes = {{"request", "smtpd_access_policy"}, {"protocol_state", "RCPT"}, {"recipient", "user@local.example"}};
    for (auto& [k, v] : attrs) req.set(k, v);
    std::string out;
    asio::co_spawn(io, answer(*policy, std::move(req)), [&](std::exception_ptr e, std::string r) {
      ASSERT_FALSE(e);
      out = std::move(r);
    });
    io.restart();
    io.run();
    return out;
  }
};

std::vector<std::pair<std::string, std::string>> good_client() {
  return {{"client_address", "192.0.2.25"}, {"client_name", "mx.example.test"}, {"helo_name", "MX.example.test"},
          {"sender", "Alice@example.test"}};
}

TEST(ReputationPolicy, OnlyAtRcptAndNotForNullSenderOrPostmaster) {
  World w;
  Asked a(w);
  auto attrs = good_client();
  attrs.push_back({"protocol_state", "MAIL"});
  EXPECT_EQ(a.ask(attrs), "DUNNO");
  attrs = good_client();
  attrs.push_back({"sender", ""});
  EXPECT_EQ(a.ask(attrs), "DUNNO");
  attrs = good_client();
  attrs.push_back({"recipient", "Postmaster@local.example"});
  EXPECT_EQ(a.ask(attrs), "DUNNO");
  EXPECT_EQ(w.dns.queries(), 0u);
  attrs = good_client();
  attrs.push_back({"client_address", "not-an-ip"});
  EXPECT_EQ(a.ask(attrs).substr(0, 6), "ERROR ");
  EXPECT_EQ(a.ask(good_client()), "PREPEND X-Tern-Reputation: NOT_IN_RBL_TEST=-1.5 CL_IP_EQ_FROM_MX=-3.1; rate: -4.6");
}

TEST(ReputationPolicy, PassIsCachedButDnsblsAreAskedAgain) {
  World w;
  Asked a(w);
  EXPECT_EQ(a.ask(good_client()).substr(0, 27), "PREPEND X-Tern-Reputation: ");
  size_t first = w.dns.queries();
  EXPECT_EQ(a.ask(good_client()), "PREPEND X-Tern-Reputation: using cached result; rate: -4.6");
  EXPECT_EQ(w.dns.queries(), first + 1);  // the one DNSBL
  w.list("25.2.0.192");  // listed now: the shortcut ends
  EXPECT_EQ(a.ask(good_client()), "550 Mail appeared to be SPAM or forged; rate: 1.25");
  EXPECT_EQ(a.policy->cached(), 2u);  // the pass, and the reject (by address: listed)
  // An expired pass is scored again from the start.
  World fresh;
  Asked b(fresh);
  b.ask(good_client());
  b.now += std::chrono::hours(3) + std::chrono::seconds(1);
  EXPECT_EQ(b.ask(good_client()), "PREPEND X-Tern-Reputation: NOT_IN_RBL_TEST=-1.5 CL_IP_EQ_FROM_MX=-3.1; rate: -4.6");
}

TEST(ReputationPolicy, RejectIsCachedForTheNegativeTime) {
  World w;
  w.list("26.2.0.192");
  Asked a(w);
  std::vector<std::pair<std::string, std::string>> bad = {
      {"client_address", "192.0.2.26"}, {"client_name", "mx2.example.test"}, {"helo_name", "mx2.example.test"},
      {"sender", "alice@example.test"}};
  std::string first = a.ask(bad);
  ASSERT_EQ(first.substr(0, 4), "550 ");
  size_t q = w.dns.queries();
  EXPECT_EQ(a.ask(bad), first + " [cached]");
  EXPECT_EQ(w.dns.queries(), q);
  a.now += std::chrono::seconds(31);
  EXPECT_EQ(a.ask(bad), first);
  EXPECT_GT(w.dns.queries(), q);
}

TEST(ReputationPolicy, FactoryReadsTheParameters) {
  config::Params p;
  p.reputation_reject_level = "1";
  p.reputation_max_dnsbl_score = "8";
  p.reputation_defer_level = "5";
  p.reputation_reject_reply = "550 no";
  p.reputation_dnsbl_reply = "550 listed";
  p.reputation_dns_error_reply = "450 no dns";
  p.reputation_defer_code = "450";
  p.reputation_max_dnsbl_hits = 2;
  p.reputation_max_dns_errors = 3;
  auto d = make_reputation(p, std::make_shared<dns::MemoryResolver>());
  ASSERT_TRUE(d.ok()) << d.error().message;
  p.reputation_score_maps = {"inline:{ {client_ip_eq_helo = 1 2 3} }"};
  d = make_reputation(p, std::make_shared<dns::MemoryResolver>());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("entry \"client_ip_eq_helo\""), std::string::npos);
}

}  // namespace
}  // namespace tern::policy::reputation
