// Envelope address checks, the local@domain split, and address extensions.
#include "smtp/address.hpp"

#include <gtest/gtest.h>

namespace tern::smtp {
namespace {

std::string mailbox_err(std::string_view s) {
  auto r = parse_mailbox_path(s);
  EXPECT_FALSE(r.ok()) << "\"" << s << "\" accepted as \"" << (r.ok() ? *r : "") << "\"";
  return r.ok() ? "" : r.error().message;
}

TEST(ParseMailboxPath, AcceptsOrdinaryAddresses) {
  EXPECT_EQ(*parse_mailbox_path("alice@example.test"), "alice@example.test");
  EXPECT_EQ(*parse_mailbox_path("postmaster"), "postmaster");
  EXPECT_EQ(*parse_mailbox_path("user+tag@[192.0.2.1]"), "user+tag@[192.0.2.1]");
}

TEST(ParseMailboxPath, EmptyIsTheNullPath) { EXPECT_EQ(*parse_mailbox_path(""), ""); }

TEST(ParseMailboxPath, QuotedLocalParts) {
  EXPECT_EQ(*parse_mailbox_path("\"john doe\"@example.test"), "\"john doe\"@example.test");
  EXPECT_EQ(*parse_mailbox_path("\"a\\\"b\"@x"), "\"a\\\"b\"@x");
  EXPECT_EQ(*parse_mailbox_path("\"<>(),\"@x"), "\"<>(),\"@x");
}

TEST(ParseMailboxPath, StripsSourceRoute) {
  EXPECT_EQ(*parse_mailbox_path("@a.example,@b.example:bob@c.example"), "bob@c.example");
}

TEST(ParseMailboxPath, Errors) {
  EXPECT_EQ(mailbox_err("a b@x"), "bad character in address");
  EXPECT_EQ(mailbox_err("<a@x>"), "bad character in address");
  EXPECT_EQ(mailbox_err("a,b@x"), "bad character in address");
  EXPECT_EQ(mailbox_err("a(comment)@x"), "bad character in address");
  EXPECT_EQ(mailbox_err(std::string("a\x01@x")), "control character in address");
  EXPECT_EQ(mailbox_err(std::string("a\x7f@x")), "control character in address");
  EXPECT_EQ(mailbox_err("\"open@x"), "unterminated quoted string in address");
  EXPECT_EQ(mailbox_err("@x"), "bad source route");
  EXPECT_EQ(mailbox_err("a@"), "empty domain");
  EXPECT_EQ(mailbox_err(std::string(513, 'a')), "address too long");
}

TEST(ParseMailboxPath, SourceRouteWithoutAMailboxIsAnError) {
  // "@relay:" names no mailbox; it must not turn into the null path.
  mailbox_err("@relay.example:");
}

TEST(SplitAddress, SplitsAtTheLastAt) {
  auto s = split_address("a@b@example.test");
  EXPECT_EQ(s.local, "a@b");
  EXPECT_EQ(s.domain, "example.test");
}

TEST(SplitAddress, IgnoresAtInsideQuotes) {
  auto s = split_address("\"x@y\"@example.test");
  EXPECT_EQ(s.local, "\"x@y\"");
  EXPECT_EQ(s.domain, "example.test");
  auto only = split_address("\"x@y\"");
  EXPECT_EQ(only.local, "\"x@y\"");
  EXPECT_EQ(only.domain, "");
}

TEST(SplitAddress, NoAtMeansNoDomain) {
  auto s = split_address("postmaster");
  EXPECT_EQ(s.local, "postmaster");
  EXPECT_EQ(s.domain, "");
  auto e = split_address("");
  EXPECT_EQ(e.local, "");
  EXPECT_EQ(e.domain, "");
}

TEST(SplitAddress, TrailingAtGivesEmptyDomain) {
  auto s = split_address("a@");
  EXPECT_EQ(s.local, "a");
  EXPECT_EQ(s.domain, "");
}

TEST(SplitExtension, SplitsAtTheFirstDelimiter) {
  auto e = split_extension("user+ext+more", "+");
  EXPECT_EQ(e.base, "user");
  EXPECT_EQ(e.ext, "ext+more");
  EXPECT_EQ(e.delim, '+');
}

TEST(SplitExtension, AnyOfSeveralDelimiters) {
  auto e = split_extension("user-a+b", "+-");
  EXPECT_EQ(e.base, "user");
  EXPECT_EQ(e.ext, "a+b");
  EXPECT_EQ(e.delim, '-');
}

TEST(SplitExtension, EmptyExtensionStillSplits) {
  auto e = split_extension("user+", "+");
  EXPECT_EQ(e.base, "user");
  EXPECT_EQ(e.ext, "");
  EXPECT_EQ(e.delim, '+');
}

TEST(SplitExtension, NoSplit) {
  for (auto [local, delims] : {std::pair{"user", "+"}, std::pair{"+user", "+"}, std::pair{"user+x", ""},
                               std::pair{"", "+"}}) {
    auto e = split_extension(local, delims);
    EXPECT_EQ(e.base, local);
    EXPECT_EQ(e.ext, "");
    EXPECT_EQ(e.delim, 0);
  }
}

TEST(SplitExtension, OwnerAndRequestNamesAreNotSplitOnDash) {
  // Postfix (owner_request_special = yes): owner-foo and foo-request keep their '-'.
  auto owner = split_extension("owner-list", "-");
  EXPECT_EQ(owner.base, "owner-list");
  EXPECT_EQ(owner.delim, 0);
  auto request = split_extension("list-request", "-");
  EXPECT_EQ(request.base, "list-request");
  EXPECT_EQ(request.delim, 0);
}

}  // namespace
}  // namespace tern::smtp

namespace tern::smtp {
namespace {

// RFC 5321 quoted-pairSMTP is a backslash and a printable character: a backslash does not
// make a control character acceptable.
TEST(ParseMailboxPath, EscapedControlCharacterIsStillAnError) {
  EXPECT_EQ(mailbox_err(std::string("\"a\\\x01\"@x")), "control character in address");
}

}  // namespace
}  // namespace tern::smtp
