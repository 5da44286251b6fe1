// check_*_{mx,ns,a}_access over the in-memory resolver: which host names and addresses
// are searched (MX hosts by preference, a domain without MX as its own host, no host for
// a null MX, NS of the enclosing zone), the reply subject of each target, OK not allowed,
// DNS failures as warnings, and nothing to ask for unknown names or the null sender.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "../await.hpp"

#include "dns/memory_resolver.hpp"
#include "policy/dns_words.hpp"
#include "policy/restrictions.hpp"
#include "policy/server_access.hpp"

namespace tern::policy {
namespace {

class ServerAccess : public ::testing::Test {
 protected:
  asio::io_context io;
  dns::MemoryResolver dns{[this](std::function<void()> f) { asio::post(io, std::move(f)); }};
  DnsCache cache;
  Facts f;

  void SetUp() override {
    f.client_addr = "192.0.2.7";
    f.client = "mail.client.example[192.0.2.7]";
    f.client_name = "mail.client.example";
    f.helo = "helo.example";
    f.sender = "alice@sender.example";
    f.recipient = "bob@rcpt.example";
    f.recipient_authorized = true;
    f.dns_resolver = &dns;
    f.dns_cache = &cache;
    auto add = [&](std::string_view n, std::string_view t, std::string_view v) { ASSERT_TRUE(dns.add(n, t, v).ok()); };
    add("sender.example", "MX", "20 mx2.hoster.example");
    add("sender.example", "MX", "10 mx1.hoster.example");
    add("mx1.hoster.example", "A", "198.51.100.1");
    add("mx2.hoster.example", "A", "198.51.100.2");
    add("mx2.hoster.example", "AAAA", "2001:db8::2");
    add("helo.example", "A", "203.0.113.9");          // no MX: its own mail host
    add("rcpt.example", "MX", "0 .");                  // null MX
    add("rcpt.example", "A", "203.0.113.10");
    add("client.example", "NS", "ns1.dns.example");    // mail.client.example has none
    add("ns1.dns.example", "A", "192.0.2.53");
    add("mail.client.example", "A", "192.0.2.7");
  }

  RestrictionList list(std::vector<std::string> words) {
    auto l = compile("smtpd_recipient_restrictions", words);
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
    return l.ok() ? *l : RestrictionList{};
  }
  Decision eval(std::vector<std::string> words, Evaluation* out = nullptr) {
    Evaluation ev;
    Decision d = testing::run_await(io, evaluate(list(std::move(words)), f, ev));
    if (out) *out = ev;
    return d;
  }
  std::vector<std::vector<std::string>> keys(Word w) {
    Evaluation ev;
    return testing::run_await(io, server_access_keys(w, f, ev));
  }
};

using Groups = std::vector<std::vector<std::string>>;

TEST_F(ServerAccess, MxHostsByPreferenceThenTheirAddresses) {
  EXPECT_EQ(keys(Word::check_sender_mx_access),
            (Groups{{"mx1.hoster.example", "hoster.example", "example"},
                    {"198.51.100.1", "198.51.100", "198.51", "198"},
                    {"mx2.hoster.example", "hoster.example", "example"},
                    {"198.51.100.2", "198.51.100", "198.51", "198"},
                    {"2001:db8::2", "2001:db8:", "2001:db8", "2001"}}));
}

TEST_F(ServerAccess, NoMxIsItsOwnHostNullMxHasNone) {
  EXPECT_EQ(keys(Word::check_helo_mx_access),
            (Groups{{"helo.example", "example"}, {"203.0.113.9", "203.0.113", "203.0", "203"}}));
  EXPECT_TRUE(keys(Word::check_recipient_mx_access).empty());
  EXPECT_EQ(keys(Word::check_recipient_a_access), (Groups{{"203.0.113.10", "203.0.113", "203.0", "203"}}));
}

TEST_F(ServerAccess, NsOfTheEnclosingZone) {
  EXPECT_EQ(keys(Word::check_client_ns_access),
            (Groups{{"ns1.dns.example", "dns.example", "example"}, {"192.0.2.53", "192.0.2", "192.0", "192"}}));
  EXPECT_EQ(keys(Word::check_client_a_access), (Groups{{"192.0.2.7", "192.0.2", "192.0", "192"}}));
}

TEST_F(ServerAccess, NothingToAsk) {
  f.client_name = "unknown";
  f.sender = "";
  f.helo = "[192.0.2.7]";
  size_t before = dns.queries();
  EXPECT_TRUE(keys(Word::check_client_mx_access).empty());
  EXPECT_TRUE(keys(Word::check_reverse_client_ns_access).empty());
  EXPECT_TRUE(keys(Word::check_sender_mx_access).empty());
  EXPECT_TRUE(keys(Word::check_helo_a_access).empty());
  f.stage = Stage::sender;
  EXPECT_TRUE(keys(Word::check_recipient_mx_access).empty());
  EXPECT_EQ(dns.queries(), before);
}

TEST_F(ServerAccess, RejectsWithTheTargetsSubject) {
  Decision d = eval({"check_sender_mx_access", "inline:{ {198.51.100.2 = REJECT bad hoster} }"});
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(d.reply.wire(), "554 5.7.1 <alice@sender.example>: Sender address rejected: bad hoster\r\n");
  Decision h = eval({"check_helo_a_access", "inline:{ {203.0.113 = 550 no} }"});
  EXPECT_EQ(h.reply.wire(), "550 5.7.1 <helo.example>: Helo command rejected: no\r\n");
  Decision c = eval({"check_client_ns_access", "inline:{ {dns.example = REJECT} }"});
  EXPECT_EQ(c.reply.wire(), "554 5.7.1 <mail.client.example[192.0.2.7]>: Client host rejected: Access denied\r\n");
}

TEST_F(ServerAccess, DunnoAndOkGoOn) {
  // mx1's name says DUNNO (its parents are not tried), mx1's address OK (not allowed):
  // the search goes on to mx2's name.
  Decision d = eval({"check_sender_mx_access",
                     "inline:{ {mx1.hoster.example = DUNNO}, {198.51.100.1 = OK}, {hoster.example = REJECT} }",
                     "permit"});
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(eval({"check_sender_mx_access", "inline:{ {198.51.100.1 = OK} }"}).verdict, Verdict::dunno);
}

TEST_F(ServerAccess, OnePerSessionAndFailuresAreWarnings) {
  eval({"check_sender_mx_access", "inline:{ {x = REJECT} }"});
  size_t first = dns.queries();
  eval({"check_sender_mx_access", "inline:{ {x = REJECT} }"});
  EXPECT_EQ(dns.queries(), first);
  dns.fail("sender2.example", dns::Type::MX);
  f.sender = "a@sender2.example";
  Evaluation ev;
  EXPECT_EQ(eval({"check_sender_mx_access", "inline:{ {sender2.example = REJECT} }"}, &ev).verdict, Verdict::dunno);
  ASSERT_EQ(ev.warnings.size(), 1u);
  EXPECT_EQ(ev.warnings[0].rfind("Unable to look up MX host for sender2.example: ", 0), 0u) << ev.warnings[0];
}

TEST_F(ServerAccess, NeedDns) {
  CompileContext no_dns;
  no_dns.dns_lookups = false;
  auto l = compile("smtpd_sender_restrictions", {"check_sender_ns_access", "inline:{ {x = REJECT} }"}, no_dns);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message,
            "smtpd_sender_restrictions: check_sender_ns_access needs DNS lookups, but they are disabled "
            "(disable_dns_lookups = yes)");
  EXPECT_TRUE(uses_dns(list({"check_helo_a_access", "inline:{ {x = REJECT} }"})));
  EXPECT_FALSE(uses_dns(list({"check_helo_access", "inline:{ {x = REJECT} }"})));
}

}  // namespace
}  // namespace tern::policy
