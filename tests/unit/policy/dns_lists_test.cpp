// The DNS list words (reject_rbl_client, reject_rhsbl_*, permit_dnswl_client,
// permit_rhswl_client) over the in-memory resolver: reply filters (and malformed ones),
// the names asked, default_rbl_reply and rbl_reply_maps templates, the TXT lookup only
// when the reply needs it, one lookup per session, and what a failing list does.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "../await.hpp"

#include "dns/memory_resolver.hpp"
#include "policy/dns_words.hpp"
#include "policy/dnsbl.hpp"
#include "policy/restrictions.hpp"

namespace tern::policy {
namespace {

constexpr std::string_view kDefaultReply =
    "$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}";

IpAddress ip(std::string_view s) { return *IpAddress::parse(s); }

TEST(DnsListFilter, Parses) {
  auto f = parse_reply_filter("127.0.0.[2..11;20]");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_TRUE(f->matches(ip("127.0.0.2")));
  EXPECT_TRUE(f->matches(ip("127.0.0.11")));
  EXPECT_TRUE(f->matches(ip("127.0.0.20")));
  EXPECT_FALSE(f->matches(ip("127.0.0.12")));
  EXPECT_FALSE(f->matches(ip("127.0.0.1")));
  EXPECT_FALSE(f->matches(ip("127.0.1.2")));
  EXPECT_FALSE(f->matches(ip("::1")));
  auto g = parse_reply_filter("127.[0;1].0.[2..4]");
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_TRUE(g->matches(ip("127.1.0.3")));
  EXPECT_FALSE(g->matches(ip("127.2.0.3")));
  auto exact = parse_reply_filter("127.0.0.2");
  ASSERT_TRUE(exact.ok());
  EXPECT_TRUE(exact->matches(ip("127.0.0.2")));
  EXPECT_FALSE(exact->matches(ip("127.0.0.3")));
}

TEST(DnsListFilter, RefusesMalformed) {
  for (std::string_view bad : {"", "127.0.0", "127.0.0.0.1", "127.0.0.256", "127.0.0.[", "127.0.0.[]",
                               "127.0.0.[5..2]", "127.0.0.[1;;2]", "a.b.c.d", "127.0.0.[1..]", "127.0.0.[[1]]",
                               "127.0.0.]", "127.0.0.-1", "127.0.0.1234", "127..0.1", "127.0.0.[1]x", "127.0.0.2."}) {
    auto f = parse_reply_filter(bad);
    EXPECT_FALSE(f.ok()) << "\"" << bad << "\" was accepted";
    if (!f.ok()) {
      EXPECT_NE(f.error().message.find("bad reply filter"), std::string::npos) << f.error().message;
    }
  }
}

TEST(DnsListDomain, Parses) {
  auto l = parse_list_domain("Zen.Example.=127.0.0.[2..3]");
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->domain, "zen.example");
  ASSERT_TRUE(l->filter);
  EXPECT_TRUE(l->filter->matches(ip("127.0.0.3")));
  auto plain = parse_list_domain("bl.example");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->filter);
  for (std::string_view bad : {"", "=127.0.0.2", "a..b", "x y.example", "bl.example=", "bl.example=1.2.3"})
    EXPECT_FALSE(parse_list_domain(bad).ok()) << bad;
}

TEST(DnsListDomain, QueryNames) {
  EXPECT_EQ(address_query(ip("192.0.2.7"), "bl.example"), "7.2.0.192.bl.example");
  EXPECT_EQ(address_query(ip("::ffff:192.0.2.7"), "bl.example"), "7.2.0.192.bl.example");
  EXPECT_EQ(address_query(ip("2001:db8::1"), "bl.example"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example");
  EXPECT_EQ(domain_query("Spam.Example.", "dbl.example"), "spam.example.dbl.example");
  EXPECT_FALSE(domain_query("", "dbl.example"));
  EXPECT_FALSE(domain_query("[192.0.2.1]", "dbl.example"));
  EXPECT_FALSE(domain_query("bad name", "dbl.example"));
  EXPECT_FALSE(domain_query(std::string(250, 'a'), "dbl.example"));
}

RblFacts client_facts(std::string reason = "") {
  RblFacts f;
  f.code = 554;
  f.rbl_class = kClientClass;
  f.what = f.client_address = "192.0.2.7";
  f.domain = "bl.example";
  f.reason = std::move(reason);
  f.sender = "alice@example.org";
  f.recipient = "bob@example.net";
  return f;
}

TEST(RblReply, DefaultTemplate) {
  auto r = rbl_reply(kDefaultReply, client_facts());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->wire(), "554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using bl.example\r\n");
  auto with_reason = rbl_reply(kDefaultReply, client_facts("Listed; see http://bl.example/q?192.0.2.7"));
  ASSERT_TRUE(with_reason.ok());
  EXPECT_EQ(with_reason->wire(), "554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using bl.example; "
                                 "Listed; see http://bl.example/q?192.0.2.7\r\n");
}

TEST(RblReply, TemplatesOfTheirOwn) {
  auto r = rbl_reply("$rbl_code 5.7.0 $client_address on $rbl_domain (from $sender_domain to $recipient_name)",
                     client_facts());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->wire(), "554 5.7.0 192.0.2.7 on bl.example (from example.org to bob)\r\n");
  auto soft = rbl_reply("450 try later, $client", client_facts());
  ASSERT_TRUE(soft.ok());
  EXPECT_EQ(soft->wire(), "450 4.7.1 try later, unknown[192.0.2.7]\r\n");
  // A TXT record's '$' and line breaks are text, never expanded or sent as a new line.
  auto odd = rbl_reply("$rbl_code ${rbl_txt}", client_facts("$rbl_code\r\n${sender}"));
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->wire(), "554 5.7.1 $rbl_code??${sender}\r\n");
}

TEST(RblReply, RefusesTemplatesWithoutACode) {
  for (std::string_view bad : {"Service unavailable", "250 fine", "$rbl_what blocked", "55 short", "5541 long",
                               "${rbl_code", "", "600 no"}) {
    auto r = rbl_reply(bad, client_facts());
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_TRUE(template_needs_reason(kDefaultReply));
  EXPECT_TRUE(template_needs_reason("$rbl_code ${rbl_txt}"));
  EXPECT_FALSE(template_needs_reason("$rbl_code listed on $rbl_domain"));
  EXPECT_FALSE(template_needs_reason("$rbl_code $$rbl_reason"));
}

// ---- the words, evaluated over the in-memory resolver ----

class DnsWords : public ::testing::Test {
 protected:
  asio::io_context io;
  dns::MemoryResolver dns{[this](std::function<void()> f) { asio::post(io, std::move(f)); }};
  DnsCache cache;
  Facts f;

  void SetUp() override {
    f.client_addr = "192.0.2.7";
    f.client = "unknown[192.0.2.7]";
    f.helo = "helo.example";
    f.sender = "alice@sender.example";
    f.recipient = "bob@example.test";
    f.recipient_authorized = true;
    f.dns_resolver = &dns;
    f.dns_cache = &cache;
    f.default_rbl_reply = kDefaultReply;
    ASSERT_TRUE(dns.add("7.2.0.192.bl.example", "A", "127.0.0.2").ok());
    ASSERT_TRUE(dns.add("7.2.0.192.bl.example", "TXT", "Listed by bl.example").ok());
    ASSERT_TRUE(dns.add("7.2.0.192.wl.example", "A", "127.0.0.5").ok());
    ASSERT_TRUE(dns.add("sender.example.dbl.example", "A", "127.0.1.2").ok());
    ASSERT_TRUE(dns.add("helo.example.dbl.example", "A", "127.0.1.3").ok());
    ASSERT_TRUE(dns.add("example.test.dbl.example", "A", "127.0.1.4").ok());
    ASSERT_TRUE(dns.add("mail.example.dbl.example", "A", "127.0.1.5").ok());
  }

  RestrictionList list(std::vector<std::string> words) {
    auto l = compile("smtpd_recipient_restrictions", words);
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
    return l.ok() ? *l : RestrictionList{};
  }
  Decision eval(const RestrictionList& l, Evaluation& ev) { return testing::run_await(io, evaluate(l, f, ev)); }
  Decision eval(std::vector<std::string> words) {
    Evaluation ev;
    return eval(list(std::move(words)), ev);
  }
};

TEST_F(DnsWords, Compile) {
  auto l = compile("smtpd_client_restrictions", {"reject_rbl_client"});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, "smtpd_client_restrictions: reject_rbl_client needs a DNS list domain (domain[=d.d.d.d])");
  auto bad = compile("smtpd_client_restrictions", {"reject_rbl_client", "bl.example=127.0.0.[2..1]"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("reject_rbl_client bl.example=127.0.0.[2..1]: bad reply filter"),
            std::string::npos) << bad.error().message;
  CompileContext no_dns;
  no_dns.dns_lookups = false;
  for (const char* w : {"reject_rbl_client", "reject_rhsbl_client", "reject_rhsbl_reverse_client", "reject_rhsbl_helo",
                        "reject_rhsbl_sender", "reject_rhsbl_recipient", "permit_dnswl_client", "permit_rhswl_client"}) {
    auto off = compile("smtpd_client_restrictions", {w, "bl.example"}, no_dns);
    ASSERT_FALSE(off.ok()) << w;
    EXPECT_EQ(off.error().message, std::string("smtpd_client_restrictions: ") + w +
                                       " needs DNS lookups, but they are disabled (disable_dns_lookups = yes)");
  }
  EXPECT_TRUE(uses_dns(list({"permit_mynetworks", "reject_rbl_client", "bl.example"})));
  EXPECT_FALSE(uses_dns(list({"permit_mynetworks", "reject_unauth_destination"})));
}

TEST_F(DnsWords, RblClientListed) {
  Decision d = eval({"reject_rbl_client", "bl.example"});
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(d.reply.wire(),
            "554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using bl.example; Listed by bl.example\r\n");
  f.rbl_reject_code = 550;
  EXPECT_EQ(eval({"reject_rbl_client", "bl.example=127.0.0.[2..11;20]"}).reply.code, 550);
}

TEST_F(DnsWords, RblClientFilterAndUnlisted) {
  EXPECT_EQ(eval({"reject_rbl_client", "bl.example=127.0.0.3"}).verdict, Verdict::dunno);
  EXPECT_EQ(eval({"reject_rbl_client", "other.example"}).verdict, Verdict::dunno);
  f.client_addr = "192.0.2.8";
  EXPECT_EQ(eval({"reject_rbl_client", "bl.example"}).verdict, Verdict::dunno);
  f.client_addr = "";  // no address known: nothing to ask
  size_t before = dns.queries();
  EXPECT_EQ(eval({"reject_rbl_client", "bl.example"}).verdict, Verdict::dunno);
  EXPECT_EQ(dns.queries(), before);
}

TEST_F(DnsWords, TxtOnlyWhenTheReplyNeedsIt) {
  f.default_rbl_reply = "$rbl_code listed on $rbl_domain";
  Decision d = eval({"reject_rbl_client", "bl.example"});
  EXPECT_EQ(d.reply.wire(), "554 5.7.1 listed on bl.example\r\n");
  EXPECT_EQ(dns.queries(), 1u);  // the A record only
}

TEST_F(DnsWords, OneLookupPerSession) {
  auto l = list({"reject_rbl_client", "bl.example", "reject_rbl_client", "other.example"});
  Evaluation ev;
  eval(l, ev);
  size_t first = dns.queries();
  EXPECT_EQ(first, 2u);  // A and TXT of the listing; other.example is never reached
  for (int i = 0; i < 3; ++i) {
    Evaluation again;
    EXPECT_EQ(eval(l, again).verdict, Verdict::reject);
  }
  EXPECT_EQ(dns.queries(), first);
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(DnsWords, TemporaryFailureListsNobody) {
  dns.fail("7.2.0.192.bl.example", dns::Type::A);
  EXPECT_EQ(eval({"reject_rbl_client", "bl.example"}).verdict, Verdict::dunno);
}

TEST_F(DnsWords, Ipv6ClientsInNibbles) {
  f.client_addr = "2001:db8::1";
  ASSERT_TRUE(dns.add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example", "A", "127.0.0.2").ok());
  f.default_rbl_reply = "$rbl_code $rbl_class [$rbl_what] blocked";
  EXPECT_EQ(eval({"reject_rbl_client", "bl.example"}).reply.wire(), "554 5.7.1 Client host [2001:db8::1] blocked\r\n");
}

TEST_F(DnsWords, RhsblWords) {
  f.default_rbl_reply = "$rbl_code $rbl_class [$rbl_what] blocked using $rbl_domain";
  EXPECT_EQ(eval({"reject_rhsbl_sender", "dbl.example"}).reply.wire(),
            "554 5.7.1 Sender address [sender.example] blocked using dbl.example\r\n");
  EXPECT_EQ(eval({"reject_rhsbl_helo", "dbl.example"}).reply.wire(),
            "554 5.7.1 Helo command [helo.example] blocked using dbl.example\r\n");
  EXPECT_EQ(eval({"reject_rhsbl_recipient", "dbl.example"}).reply.wire(),
            "554 5.7.1 Recipient address [example.test] blocked using dbl.example\r\n");
  EXPECT_EQ(eval({"reject_rhsbl_sender", "dbl.example=127.0.1.9"}).verdict, Verdict::dunno);
  // The client's name: nothing to ask while it is unknown.
  EXPECT_EQ(eval({"reject_rhsbl_client", "dbl.example"}).verdict, Verdict::dunno);
  f.client_name = "mail.example";
  EXPECT_EQ(eval({"reject_rhsbl_client", "dbl.example"}).reply.wire(),
            "554 5.7.1 Client host [mail.example] blocked using dbl.example\r\n");
  EXPECT_EQ(eval({"reject_rhsbl_reverse_client", "dbl.example"}).reply.wire(),
            "554 5.7.1 Unverified Client host [mail.example] blocked using dbl.example\r\n");
  // The null sender and a recipient outside the RCPT stage are not looked up.
  f.sender = "";
  EXPECT_EQ(eval({"reject_rhsbl_sender", "dbl.example"}).verdict, Verdict::dunno);
  f.stage = Stage::data;
  EXPECT_EQ(eval({"reject_rhsbl_recipient", "dbl.example"}).verdict, Verdict::dunno);
}

TEST_F(DnsWords, Whitelists) {
  EXPECT_EQ(eval({"permit_dnswl_client", "wl.example", "reject"}).verdict, Verdict::permit);
  EXPECT_EQ(eval({"permit_dnswl_client", "wl.example=127.0.0.[0..4]", "reject"}).verdict, Verdict::reject);
  f.client_name = "mail.example";
  EXPECT_EQ(eval({"permit_rhswl_client", "dbl.example", "reject"}).verdict, Verdict::permit);
  // Never past reject_unauth_destination: no permit for a recipient not ours.
  f.recipient_authorized = false;
  EXPECT_EQ(eval({"permit_dnswl_client", "wl.example"}).verdict, Verdict::dunno);
  f.stage = Stage::client;
  EXPECT_EQ(eval({"permit_dnswl_client", "wl.example"}).verdict, Verdict::permit);
}

TEST_F(DnsWords, WhitelistThatFailsDefersARejection) {
  dns.fail("7.2.0.192.wl.example", dns::Type::A);
  Evaluation ev;
  Decision d = eval(list({"permit_dnswl_client", "wl.example", "reject"}), ev);
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(d.reply.wire(), "450 4.7.1 <192.0.2.7>: Client host rejected: Service unavailable\r\n");
}

TEST_F(DnsWords, ReplyMaps) {
  auto maps = maps::MapList::open(
      {"inline:{ {bl.example = $rbl_code 5.7.0 See https://bl.example/$client_address ($rbl_reason)}, "
       "{dbl.example = no code here} }"},
      {});
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  f.rbl_reply_maps = &*maps;
  EXPECT_EQ(eval({"reject_rbl_client", "bl.example"}).reply.wire(),
            "554 5.7.0 See https://bl.example/192.0.2.7 (Listed by bl.example)\r\n");
  // A bad template from the table: the default reply, and a warning.
  Decision d = eval({"reject_rhsbl_sender", "dbl.example"});
  EXPECT_EQ(d.reply.wire(), "554 5.7.1 Service unavailable; Sender address [sender.example] blocked using dbl.example\r\n");
  EXPECT_NE(d.log_text.find("rbl_reply_maps: bad rbl reply template"), std::string::npos) << d.log_text;
}

TEST_F(DnsWords, SoftBounceAndWarnIfReject) {
  Evaluation ev;
  ev.soft_bounce = true;
  EXPECT_EQ(eval(list({"reject_rbl_client", "bl.example"}), ev).reply.code, 454);
  Evaluation warn;
  Decision d = eval(list({"warn_if_reject", "reject_rbl_client", "bl.example"}), warn);
  EXPECT_EQ(d.verdict, Verdict::dunno);
  ASSERT_EQ(warn.notes.size(), 1u);
  EXPECT_EQ(warn.notes[0].what, "reject_warning");
}

}  // namespace
}  // namespace tern::policy
