// VERP: the per-recipient sender address, and the check of XVERP / sendmail -V
// delimiters, including the inputs a client should not be able to get past.
#include "route/verp.hpp"

#include <gtest/gtest.h>

namespace tern::route {
namespace {

TEST(VerpSender, RecipientEncodedIntoTheSendersLocalPart) {
  EXPECT_EQ(verp_sender("list-bounces@example.org", "user@domain", "+="), "list-bounces+user=domain@example.org");
  EXPECT_EQ(verp_sender("owner@lists.example", "a.b@mail.c.example", "-="), "owner-a.b=mail.c.example@lists.example");
}

TEST(VerpSender, RecipientWithoutDomainHasNoSecondDelimiter) {
  EXPECT_EQ(verp_sender("list-bounces@example.org", "user", "+="), "list-bounces+user@example.org");
}

TEST(VerpSender, SenderWithoutDomainStaysUnqualified) {
  EXPECT_EQ(verp_sender("list-bounces", "user@domain", "+="), "list-bounces+user=domain");
}

TEST(VerpSender, NullSenderIsNeverRewritten) {
  EXPECT_EQ(verp_sender("", "user@domain", "+="), "");
}

TEST(VerpSender, BadDelimitersLeaveTheSenderAlone) {
  EXPECT_EQ(verp_sender("list@example.org", "user@domain", ""), "list@example.org");
  EXPECT_EQ(verp_sender("list@example.org", "user@domain", "+"), "list@example.org");
  EXPECT_EQ(verp_sender("list@example.org", "user@domain", "+=-"), "list@example.org");
}

TEST(VerpSender, UsesTheLastAtSignOutsideQuotes) {
  EXPECT_EQ(verp_sender("list@example.org", "\"a@b\"@domain", "+="), "list+\"a@b\"=domain@example.org");
  EXPECT_EQ(verp_sender("\"my@list\"@example.org", "user@domain", "+="), "\"my@list\"+user=domain@example.org");
}

TEST(VerpSender, RecipientWithEmptyDomainPart) {
  // "user@" has an empty domain: no '=' is added, nothing is invented.
  EXPECT_EQ(verp_sender("list@example.org", "user@", "+="), "list+user@example.org");
}

TEST(CheckVerpDelimiters, DefaultsPass) {
  EXPECT_TRUE(check_verp_delimiters("+=", "-=+").ok());
  EXPECT_TRUE(check_verp_delimiters("-=", "-=+").ok());
  EXPECT_TRUE(check_verp_delimiters("==", "-=+").ok());
}

TEST(CheckVerpDelimiters, WrongLengthIsRefused) {
  for (const char* d : {"", "+", "+=-", "+=+="}) {
    auto st = check_verp_delimiters(d, "-=+");
    ASSERT_FALSE(st.ok()) << '"' << d << '"';
    EXPECT_EQ(st.error().message, "VERP delimiters must be exactly two characters") << d;
  }
}

TEST(CheckVerpDelimiters, CharacterOutsideTheFilterIsNamed) {
  auto st = check_verp_delimiters("+/", "-=+");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "bad VERP delimiter character \"/\"");
  st = check_verp_delimiters("@=", "-=+");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "bad VERP delimiter character \"@\"");
}

TEST(CheckVerpDelimiters, ControlAndNulCharactersAreRefused) {
  EXPECT_FALSE(check_verp_delimiters(std::string_view("+\0", 2), "-=+").ok());
  EXPECT_FALSE(check_verp_delimiters("\r\n", "-=+").ok());
  EXPECT_FALSE(check_verp_delimiters(" =", "-=+").ok());
  EXPECT_FALSE(check_verp_delimiters("+>", "-=+").ok());
}

TEST(CheckVerpDelimiters, EmptyFilterRefusesEverything) {
  EXPECT_FALSE(check_verp_delimiters("+=", "").ok());
}

}  // namespace
}  // namespace tern::route
