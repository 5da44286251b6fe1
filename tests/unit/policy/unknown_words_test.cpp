// reject_unknown_* over the in-memory resolver, and the client name a session learns
// (PTR then forward confirmation): Postfix's replies and codes, null MX, temporary
// failures through the *_tempfail_action parameters, and the configuration errors.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "../await.hpp"
#include "../test_params.hpp"

#include "dns/memory_resolver.hpp"
#include "policy/dns_words.hpp"
#include "policy/restrictions.hpp"
#include "policy/unknown_words.hpp"
#include "server/peername.hpp"

namespace tern::policy {
namespace {

class UnknownWords : public ::testing::Test {
 protected:
  asio::io_context io;
  dns::MemoryResolver dns{[this](std::function<void()> f) { asio::post(io, std::move(f)); }};
  DnsCache cache;
  config::Params params = testing::test_params({});
  Facts f;

  void SetUp() override {
    f.client_addr = "192.0.2.7";
    f.helo = "helo.example";
    f.sender = "alice@sender.example";
    f.recipient = "bob@rcpt.example";
    f.dns_resolver = &dns;
    f.dns_cache = &cache;
    f.params = &params;
    auto add = [&](std::string_view n, std::string_view t, std::string_view v) { ASSERT_TRUE(dns.add(n, t, v).ok()); };
    add("helo.example", "A", "192.0.2.7");
    add("mxonly.example", "MX", "10 mx.elsewhere.example");
    add("sender.example", "MX", "10 mx.sender.example");
    add("rcpt.example", "AAAA", "2001:db8::25");
    add("nullmx.example", "MX", "0 .");
    add("other.example", "TXT", "exists, no address");
    add("7.2.0.192.in-addr.arpa", "PTR", "mail.client.example.");
    add("mail.client.example", "A", "192.0.2.7");
    add("8.2.0.192.in-addr.arpa", "PTR", "forged.client.example.");
    add("forged.client.example", "A", "192.0.2.99");
    add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "PTR", "v6.client.example");
    add("v6.client.example", "AAAA", "2001:db8::1");
    add("9.2.0.192.in-addr.arpa", "PTR", "slow.client.example");
    dns.fail("slow.client.example", dns::Type::A);
    dns.fail("10.2.0.192.in-addr.arpa", dns::Type::PTR);
  }

  Decision eval(std::vector<std::string> words, Evaluation* out = nullptr) {
    auto l = compile("smtpd_recipient_restrictions", words);
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
    Evaluation ev;
    Decision d = testing::run_await(io, evaluate(*l, f, ev));
    if (out) *out = ev;
    return d;
  }
  server::PeerName peer(std::string_view addr) {
    return testing::run_await(io, server::find_peer_name(dns, cache, *IpAddress::parse(addr)));
  }
};

TEST_F(UnknownWords, PeerNames) {
  auto ok = peer("192.0.2.7");
  EXPECT_EQ(ok.name, "mail.client.example");
  EXPECT_EQ(ok.reverse_name, "mail.client.example");
  EXPECT_EQ(ok.name_status, NameStatus::ok);
  auto forged = peer("192.0.2.8");  // its PTR name does not lead back to it
  EXPECT_EQ(forged.name, "unknown");
  EXPECT_EQ(forged.reverse_name, "forged.client.example");
  EXPECT_EQ(forged.name_status, NameStatus::permanent);
  EXPECT_EQ(forged.reverse_status, NameStatus::ok);
  auto none = peer("192.0.2.11");
  EXPECT_EQ(none.reverse_name, "unknown");
  EXPECT_EQ(none.reverse_status, NameStatus::permanent);
  auto slow = peer("192.0.2.9");
  EXPECT_EQ(slow.reverse_name, "slow.client.example");
  EXPECT_EQ(slow.name_status, NameStatus::temporary);
  EXPECT_EQ(peer("192.0.2.10").reverse_status, NameStatus::temporary);
  EXPECT_EQ(peer("2001:db8::1").name, "v6.client.example");
  EXPECT_EQ(peer("::ffff:192.0.2.7").name, "mail.client.example");
}

TEST_F(UnknownWords, ClientHostname) {
  f.client_name_status = NameStatus::permanent;
  EXPECT_EQ(eval({"reject_unknown_client_hostname"}).reply.wire(),
            "450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.7]\r\n");
  params.unknown_client_reject_code = 550;
  EXPECT_EQ(eval({"reject_unknown_client"}).reply.wire(),
            "550 5.7.25 Client host rejected: cannot find your hostname, [192.0.2.7]\r\n");
  EXPECT_EQ(eval({"reject_unknown_reverse_client_hostname"}).verdict, Verdict::dunno);
  f.reverse_client_name_status = NameStatus::permanent;
  EXPECT_EQ(eval({"reject_unknown_reverse_client_hostname"}).reply.wire(),
            "550 5.7.25 Client host rejected: cannot find your reverse hostname, [192.0.2.7]\r\n");
}

TEST_F(UnknownWords, TemporaryFailuresDeferIfPermitted) {
  f.client_name_status = NameStatus::temporary;
  Evaluation ev;
  EXPECT_EQ(eval({"reject_unknown_client_hostname", "permit"}, &ev).verdict, Verdict::permit);
  ASSERT_TRUE(ev.defer_if_permit);
  EXPECT_EQ(ev.defer_if_permit->wire(), "450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.7]\r\n");
  params.reject_tempfail_action = "defer";
  EXPECT_EQ(eval({"reject_unknown_client_hostname", "permit"}).reply.code, 450);
  dns.fail("tmp.example", dns::Type::MX);
  dns.fail("tmp.example", dns::Type::A);
  dns.fail("tmp.example", dns::Type::AAAA);
  f.sender = "x@tmp.example";
  Evaluation sev;
  EXPECT_EQ(eval({"reject_unknown_sender_domain"}, &sev).verdict, Verdict::dunno);
  ASSERT_TRUE(sev.defer_if_permit);
  EXPECT_EQ(sev.defer_if_permit->wire(), "450 4.1.8 <x@tmp.example>: Sender address rejected: Domain not found\r\n");
  params.unknown_address_tempfail_action = "defer";
  EXPECT_EQ(eval({"reject_unknown_sender_domain"}).reply.wire(),
            "450 4.1.8 <x@tmp.example>: Sender address rejected: Domain not found\r\n");
}

TEST_F(UnknownWords, HeloHostname) {
  EXPECT_EQ(eval({"reject_unknown_helo_hostname"}).verdict, Verdict::dunno);
  f.helo = "mxonly.example";
  EXPECT_EQ(eval({"reject_unknown_hostname"}).verdict, Verdict::dunno);
  f.helo = "nowhere.example";
  EXPECT_EQ(eval({"reject_unknown_helo_hostname"}).reply.wire(),
            "450 4.7.1 <nowhere.example>: Helo command rejected: Host not found\r\n");
  f.helo = "other.example";
  params.unknown_hostname_reject_code = 550;
  EXPECT_EQ(eval({"reject_unknown_helo_hostname"}).reply.wire(),
            "550 5.7.1 <other.example>: Helo command rejected: Host not found\r\n");
  f.helo = "[192.0.2.7]";  // an address literal is not looked up
  EXPECT_EQ(eval({"reject_unknown_helo_hostname"}).verdict, Verdict::dunno);
}

TEST_F(UnknownWords, SenderAndRecipientDomains) {
  EXPECT_EQ(eval({"reject_unknown_sender_domain", "reject_unknown_recipient_domain"}).verdict, Verdict::dunno);
  f.sender = "x@nowhere.example";
  EXPECT_EQ(eval({"reject_unknown_sender_domain"}).reply.wire(),
            "450 4.1.8 <x@nowhere.example>: Sender address rejected: Domain not found\r\n");
  f.recipient = "y@other.example";
  params.unknown_address_reject_code = 550;
  EXPECT_EQ(eval({"reject_unknown_recipient_domain"}).reply.wire(),
            "550 5.1.2 <y@other.example>: Recipient address rejected: Domain not found\r\n");
  f.sender = "x@nullmx.example";
  f.recipient = "y@nullmx.example";
  EXPECT_EQ(eval({"reject_unknown_sender_domain"}).reply.wire(),
            "550 5.7.27 <x@nullmx.example>: Sender address rejected: Domain nullmx.example does not accept mail (nullMX)\r\n");
  EXPECT_EQ(eval({"reject_unknown_recipient_domain"}).reply.wire(),
            "556 5.1.10 <y@nullmx.example>: Recipient address rejected: Domain nullmx.example does not accept mail (nullMX)\r\n");
  f.sender = "";
  f.recipient = "z@[192.0.2.1]";
  EXPECT_EQ(eval({"reject_unknown_sender_domain", "reject_unknown_recipient_domain"}).verdict, Verdict::dunno);
}

TEST_F(UnknownWords, SoftBounce) {
  f.sender = "x@nullmx.example";
  auto l = compile("smtpd_sender_restrictions", {"reject_unknown_sender_domain"});
  ASSERT_TRUE(l.ok());
  Evaluation ev;
  ev.soft_bounce = true;
  EXPECT_EQ(testing::run_await(io, evaluate(*l, f, ev)).reply.wire(),
            "450 4.7.27 <x@nullmx.example>: Sender address rejected: Domain nullmx.example does not accept mail (nullMX)\r\n");
}

TEST_F(UnknownWords, ConfigurationErrors) {
  CompileContext no_dns;
  no_dns.dns_lookups = false;
  auto a = compile("smtpd_sender_restrictions", {"reject_unknown_sender_domain"}, no_dns);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "smtpd_sender_restrictions: reject_unknown_sender_domain needs DNS lookups, but they "
                               "are disabled (disable_dns_lookups = yes)");
  CompileContext no_names;
  no_names.client_names = false;
  auto b = compile("smtpd_client_restrictions", {"reject_unknown_client_hostname"}, no_names);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "smtpd_client_restrictions: reject_unknown_client_hostname needs the client's "
                               "hostname, but it is not looked up (smtpd_peername_lookup = no)");
  EXPECT_TRUE(compile("smtpd_client_restrictions", {"reject_unknown_helo_hostname"}, no_names).ok());
  EXPECT_TRUE(check_tempfail_action("reject_tempfail_action", "defer").ok());
  EXPECT_FALSE(check_tempfail_action("reject_tempfail_action", "reject").ok());
}

}  // namespace
}  // namespace tern::policy
