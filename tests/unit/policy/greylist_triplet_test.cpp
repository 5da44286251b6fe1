// Triplet keys: postgrey's sender substitutions (BATV, extensions, VERP numbers) and
// client networks for IPv4 and IPv6.
#include "policy/greylist_triplet.hpp"

#include <gtest/gtest.h>

namespace tern::policy {
namespace {

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

TEST(GreylistSender, NumbersStandingAloneBecomeHash) {
  EXPECT_EQ(normalise_sender("bounce-123-456@lists.example.org"), "bounce-#-#@lists.example.org");
  EXPECT_EQ(normalise_sender("user.2026.12@example.org"), "user.#.#@example.org");
  EXPECT_EQ(normalise_sender("a1b2@example.org"), "a1b2@example.org");       // not words of their own
  EXPECT_EQ(normalise_sender("x_12@example.org"), "x_12@example.org");       // '_' is a word character
  EXPECT_EQ(normalise_sender("12ab@example.org"), "12ab@example.org");
  EXPECT_EQ(normalise_sender("42@example.org"), "#@example.org");
  EXPECT_EQ(normalise_sender("user@mail2.example.org"), "user@mail2.example.org");  // domain untouched
}

TEST(GreylistSender, ExtensionIsDropped) {
  EXPECT_EQ(normalise_sender("list+bounces-77@example.org"), "list@example.org");
  EXPECT_EQ(normalise_sender("a+b+c@example.org"), "a@example.org");
}

TEST(GreylistSender, BatvTagIsDropped) {
  EXPECT_EQ(normalise_sender("prvs=0123456789=alice@example.org"), "alice@example.org");
  EXPECT_EQ(normalise_sender("prvs=alice=0123456789@example.org"), "alice@example.org");
  EXPECT_EQ(normalise_sender("prvs=abc=def@example.org"), "def@example.org");  // postgrey's coin
  EXPECT_EQ(normalise_sender("prvs=x@example.org"), "prvs=x@example.org");     // not three parts
  EXPECT_EQ(normalise_sender("prvs=a=b=c@example.org"), "prvs=a=b=c@example.org");
  EXPECT_EQ(normalise_sender("PRVS=0123456789=alice@example.org"), "PRVS=#=alice@example.org");
}

TEST(GreylistSender, NullSenderAndNoDomainKeptAsIs) {
  EXPECT_EQ(normalise_sender(""), "");
  EXPECT_EQ(normalise_sender("postmaster"), "postmaster");
}

TEST(GreylistTriplet, KeyIsLowerCase) {
  EXPECT_EQ(triplet_key("192.0.2.0", "Alice+x@Example.ORG", "Bob@Example.NET"),
            "192.0.2.0/alice@example.org/bob@example.net");
  EXPECT_EQ(triplet_key("192.0.2.0", "", "bob@example.net"), "192.0.2.0//bob@example.net");
}

TEST(GreylistTriplet, ClientNetworks) {
  EXPECT_EQ(client_network(ip("192.0.2.77"), 24, 64), "192.0.2.0");
  EXPECT_EQ(client_network(ip("192.0.2.77"), 32, 64), "192.0.2.77");
  EXPECT_EQ(client_network(ip("192.0.2.77"), 20, 64), "192.0.0.0");
  EXPECT_EQ(client_network(ip("2001:db8:1:2:3:4:5:6"), 24, 64), "2001:db8:1:2::");
  EXPECT_EQ(client_network(ip("2001:db8:1:2:3:4:5:6"), 24, 48), "2001:db8:1::");
  EXPECT_EQ(client_network(ip("2001:db8:1:2:3:4:5:6"), 24, 128), "2001:db8:1:2:3:4:5:6");
  EXPECT_EQ(client_network(ip("::ffff:192.0.2.77"), 24, 64), "192.0.2.0");
}

TEST(GreylistTriplet, RecipientDomain) {
  EXPECT_EQ(recipient_domain("bob@example.net"), "example.net");
  EXPECT_EQ(recipient_domain("\"a@b\"@example.net"), "example.net");
  EXPECT_EQ(recipient_domain("postmaster"), "postmaster");
}

}  // namespace
}  // namespace tern::policy
