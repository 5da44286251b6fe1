// The client's reply parser (delivery/smtp/reply.hpp): single and multiline replies,
// bytes arriving in pieces, enhanced codes, and malformed input.
#include "delivery/smtp/reply.hpp"

#include <gtest/gtest.h>

namespace tern::delivery::smtp {
namespace {

ServerReply parse_all(std::string_view wire) {
  ReplyParser p;
  ParseStep s = p.feed(wire);
  EXPECT_EQ(s.error, ReplyError::none);
  EXPECT_EQ(s.consumed, wire.size());
  return p.take();
}

TEST(SmtpReply, SingleLine) {
  auto r = parse_all("250 2.1.5 Ok\r\n");
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.dsn, "2.1.5");
  EXPECT_EQ(r.status(), "2.1.5");
  EXPECT_EQ(r.text(), "250 2.1.5 Ok");
}

TEST(SmtpReply, MultilineJoinsTextAndDropsRepeatedStatus) {
  auto r = parse_all("550-5.1.1 <b@x>: Recipient address rejected:\r\n550 5.1.1 User unknown\r\n");
  EXPECT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.text(), "550 5.1.1 <b@x>: Recipient address rejected: User unknown");
}

TEST(SmtpReply, BareCodeAndBareLf) {
  auto r = parse_all("250-mx\n250\n");
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.status(), "2.0.0");
}

TEST(SmtpReply, StatusOfTheWrongClassIsReplaced) {
  auto r = parse_all("451 5.1.1 odd\r\n");
  EXPECT_EQ(r.status(), "4.0.0");
  r = parse_all("550 no enhanced code\r\n");
  EXPECT_EQ(r.dsn, "");
  EXPECT_EQ(r.status(), "5.0.0");
}

TEST(SmtpReply, BytesInPiecesAndStopsAtTheEndOfOneReply) {
  ReplyParser p;
  std::string wire = "250-a\r\n250 b\r\n354 next\r\n";
  ParseStep s = p.feed(std::string_view(wire).substr(0, 3));
  EXPECT_EQ(s.error, ReplyError::need_more);
  EXPECT_EQ(s.consumed, 3u);
  s = p.feed(std::string_view(wire).substr(3));
  EXPECT_EQ(s.error, ReplyError::none);
  EXPECT_EQ(s.consumed, 11u);  // the rest of "250-a" and "250 b", not the next reply
  EXPECT_EQ(p.take().lines, (std::vector<std::string>{"a", "b"}));
  s = p.feed(std::string_view(wire).substr(3 + 11));
  EXPECT_EQ(s.error, ReplyError::none);
  EXPECT_EQ(p.take().code, 354);
}

TEST(SmtpReply, Malformed) {
  auto err = [](std::string_view wire, ReplyParser p = {}) { return p.feed(wire).error; };
  EXPECT_EQ(err("hello\r\n"), ReplyError::bad_code);
  EXPECT_EQ(err("25\r\n"), ReplyError::bad_code);
  EXPECT_EQ(err("250x ok\r\n"), ReplyError::bad_code);
  EXPECT_EQ(err("650 six hundred\r\n"), ReplyError::bad_code);
  EXPECT_EQ(err("150 one hundred\r\n"), ReplyError::bad_code);
  EXPECT_EQ(err("250-a\r\n251 b\r\n"), ReplyError::mixed_codes);
  EXPECT_EQ(err(std::string(5000, '2')), ReplyError::line_too_long);
  EXPECT_EQ(err("250-a\r\n250-b\r\n250-c\r\n", ReplyParser(100, 2)), ReplyError::too_many_lines);
}

TEST(SmtpReply, ResetAfterAnError) {
  ReplyParser p;
  EXPECT_EQ(p.feed("bad\r\n").error, ReplyError::bad_code);
  p.reset();
  EXPECT_EQ(p.feed("220 ok\r\n").error, ReplyError::none);
  EXPECT_EQ(p.take().code, 220);
}

}  // namespace
}  // namespace tern::delivery::smtp
