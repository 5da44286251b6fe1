// postgrey-format whitelists: each client and recipient entry form, comments and blank
// lines, and malformed lines refused with FILE:LINE.
#include "policy/greylist_whitelist.hpp"

#include <gtest/gtest.h>

#include "../temp_dir.hpp"

namespace tern::policy {
namespace {

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

ClientWhitelist clients(std::string_view text) {
  ClientWhitelist w;
  auto s = w.parse(text, "wl_clients");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return w;
}

RecipientWhitelist recipients(std::string_view text) {
  RecipientWhitelist w;
  auto s = w.parse(text, "wl_rcpts");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return w;
}

std::string client_error(std::string_view text) {
  ClientWhitelist w;
  auto s = w.parse(text, "wl_clients");
  return s.ok() ? "parsed" : s.error().message;
}

std::string recipient_error(std::string_view text) {
  RecipientWhitelist w;
  auto s = w.parse(text, "wl_rcpts");
  return s.ok() ? "parsed" : s.error().message;
}

TEST(GreylistClientWhitelist, DomainMatchesItselfAndSubdomainsOnly) {
  auto w = clients("example.org\n");
  EXPECT_TRUE(w.match(ip("192.0.2.1"), "example.org"));
  EXPECT_TRUE(w.match(ip("192.0.2.1"), "MX1.Mail.Example.ORG"));
  EXPECT_FALSE(w.match(ip("192.0.2.1"), "badexample.org"));
  EXPECT_FALSE(w.match(ip("192.0.2.1"), "example.org.evil.test"));
  EXPECT_FALSE(w.match(ip("192.0.2.1"), "unknown"));
}

TEST(GreylistClientWhitelist, RegexpSearchesTheNameCaseInsensitively) {
  auto w = clients("/^mail\\d+\\.telekom\\.de$/\n/pool/\n");
  EXPECT_TRUE(w.match(ip("192.0.2.1"), "MAIL12.telekom.de"));
  EXPECT_FALSE(w.match(ip("192.0.2.1"), "mailx.telekom.de"));
  EXPECT_TRUE(w.match(ip("192.0.2.1"), "a.pool.example"));  // unanchored: a search
  // A regexp is about the name, never the address.
  EXPECT_FALSE(clients("/^192\\./\n").match(ip("192.0.2.1"), "unknown"));
}

TEST(GreylistClientWhitelist, AddressesPrefixesAndNetworks) {
  auto w = clients("66.216.126.174\n10.1.2\n172.16\n198.51.100.77/24\n2001:db8:1::/48\n");
  EXPECT_TRUE(w.match(ip("66.216.126.174"), "unknown"));
  EXPECT_FALSE(w.match(ip("66.216.126.175"), "unknown"));
  EXPECT_TRUE(w.match(ip("10.1.2.200"), "unknown"));
  EXPECT_FALSE(w.match(ip("10.1.3.1"), "unknown"));
  EXPECT_TRUE(w.match(ip("172.16.200.1"), "unknown"));  // "1.2" is a /16 (postgrey: /24)
  EXPECT_TRUE(w.match(ip("198.51.100.1"), "unknown"));   // host bits allowed, as postgrey does
  EXPECT_FALSE(w.match(ip("198.51.101.1"), "unknown"));
  EXPECT_TRUE(w.match(ip("2001:db8:1:ffff::25"), "unknown"));
  EXPECT_FALSE(w.match(ip("2001:db8:2::25"), "unknown"));
  EXPECT_TRUE(w.match(ip("::ffff:66.216.126.174"), "unknown"));  // v4-mapped clients
}

TEST(GreylistClientWhitelist, CommentsBlankLinesAndOrigin) {
  auto w = clients("# a comment\n\n   \t\n  example.net   # trailing comment\r\n");
  EXPECT_EQ(w.size(), 1u);
  auto o = w.match(ip("192.0.2.1"), "mx.example.net");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->describe(), "wl_clients:4: example.net");
}

TEST(GreylistClientWhitelist, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(client_error("ok.example\nbad name\n"), "wl_clients:2: doesn't look like a hostname: \"bad name\"");
  EXPECT_EQ(client_error("300.1.2.3\n"), "wl_clients:1: bad IP address \"300.1.2.3\"");
  EXPECT_EQ(client_error("\n10.0.0.0/33\n"), "wl_clients:2: bad network prefix length in \"10.0.0.0/33\"");
  EXPECT_EQ(client_error("1.2.999\n"), "wl_clients:1: bad IP address \"1.2.999\"");
  EXPECT_EQ(client_error("2001:db8::zz\n"), "wl_clients:1: bad IP address \"2001:db8::zz\"");
  EXPECT_EQ(client_error("2001:db8::/129\n"), "wl_clients:1: bad network prefix length in \"2001:db8::/129\"");
  EXPECT_NE(client_error("/a(b/\n").find("wl_clients:1: error in regex"), std::string::npos);
}

TEST(GreylistRecipientWhitelist, LocalPartAnyDomainWithExtensions) {
  auto w = recipients("postmaster@\n");
  EXPECT_TRUE(w.match("postmaster@example.net"));
  EXPECT_TRUE(w.match("PostMaster+lists@example.net"));
  EXPECT_FALSE(w.match("postmaster2@example.net"));
  EXPECT_FALSE(w.match("xpostmaster@example.net"));
  EXPECT_FALSE(w.match("postmaster+@example.net"));  // an empty extension is not one
}

TEST(GreylistRecipientWhitelist, FullAddressWithExtensions) {
  auto w = recipients("bob@example.net\n");
  EXPECT_TRUE(w.match("bob@example.net"));
  EXPECT_TRUE(w.match("Bob+x@Example.NET"));
  EXPECT_FALSE(w.match("bob@sub.example.net"));
  EXPECT_FALSE(w.match("bobby@example.net"));
  EXPECT_FALSE(w.match("alice.bob@example.net"));
}

TEST(GreylistRecipientWhitelist, DomainAndSubdomains) {
  auto w = recipients("example.net\n");
  EXPECT_TRUE(w.match("anyone@example.net"));
  EXPECT_TRUE(w.match("anyone@lists.example.net"));
  EXPECT_FALSE(w.match("anyone@badexample.net"));
}

TEST(GreylistRecipientWhitelist, RegexpOnTheWholeAddress) {
  auto w = recipients("/^abuse-.*@example\\.(net|org)$/\n");
  EXPECT_TRUE(w.match("ABUSE-desk@example.org"));
  EXPECT_FALSE(w.match("abuse@example.org"));
}

TEST(GreylistRecipientWhitelist, MalformedLines) {
  EXPECT_EQ(recipient_error("a@b\nc d@e\n"), "wl_rcpts:2: doesn't look like an address: \"c d@e\"");
  EXPECT_NE(recipient_error("/[/\n").find("wl_rcpts:1: error in regex"), std::string::npos);
  EXPECT_EQ(recipient_error("# only comments\n\n"), "parsed");
}

TEST(GreylistWhitelistFiles, LoadReadsEveryFileAndNamesTheMissingOne) {
  testing::TempDir d;
  d.write("a", "example.org\n");
  d.write("b", "192.0.2.0/24\n");
  auto w = load_client_whitelist({d.file("a"), d.file("b")});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->size(), 2u);
  auto missing = load_recipient_whitelist({d.file("nope")});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(d.file("nope")), std::string::npos);
}

}  // namespace
}  // namespace tern::policy
