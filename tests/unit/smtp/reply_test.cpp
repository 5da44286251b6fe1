// Reply wire format and enhanced status codes.
#include "smtp/reply.hpp"

#include <gtest/gtest.h>

namespace tern::smtp {
namespace {

TEST(Reply, SingleLineWithEnhancedCode) {
  EXPECT_EQ((Reply{250, Status::ok, "Ok: queued as 4Yg3Nf0x5WzK"}.wire()),
            "250 2.0.0 Ok: queued as 4Yg3Nf0x5WzK\r\n");
}

TEST(Reply, SingleLineWithoutEnhancedCode) {
  EXPECT_EQ((Reply{220, Status::none, "mx.example.test ESMTP Tern"}.wire()),
            "220 mx.example.test ESMTP Tern\r\n");
}

TEST(Reply, MultiLineWithoutEnhancedCode) {
  EXPECT_EQ((Reply{250, Status::none, "mx\nPIPELINING\nSIZE 10240000"}.wire()),
            "250-mx\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n");
}

TEST(Reply, MultiLineRepeatsTheEnhancedCode) {
  EXPECT_EQ((Reply{550, Status::not_authorized, "first\nsecond"}.wire()),
            "550-5.7.1 first\r\n550 5.7.1 second\r\n");
}

TEST(Reply, EnhancedClassFollowsTheReplyCode) {
  EXPECT_EQ((Reply{550, Status::bad_destination, ""}.enhanced()), "5.1.1");
  EXPECT_EQ((Reply{450, Status::bad_destination, ""}.enhanced()), "4.1.1");
  EXPECT_EQ((Reply{550, Status::other_address, ""}.enhanced()), "5.1.0");
  EXPECT_EQ((Reply{450, Status::other_address, ""}.enhanced()), "4.1.0");
  EXPECT_EQ((Reply{250, Status::recipient_ok, ""}.enhanced()), "2.1.5");
  EXPECT_EQ((Reply{250, Status::sender_ok, ""}.enhanced()), "2.1.0");
  EXPECT_EQ((Reply{554, Status::not_authorized, ""}.enhanced()), "5.7.1");
  EXPECT_EQ((Reply{454, Status::not_authorized, ""}.enhanced()), "4.7.1");
  EXPECT_EQ((Reply{552, Status::too_big, ""}.enhanced()), "5.3.4");
  EXPECT_EQ((Reply{452, Status::too_many_rcpts, ""}.enhanced()), "4.5.3");
  EXPECT_EQ((Reply{502, Status::bad_command, ""}.enhanced()), "5.5.2");
  EXPECT_EQ((Reply{503, Status::bad_sequence, ""}.enhanced()), "5.5.1");
  EXPECT_EQ((Reply{501, Status::bad_syntax, ""}.enhanced()), "5.5.4");
  EXPECT_EQ((Reply{501, Status::bad_sender_syntax, ""}.enhanced()), "5.1.7");
  EXPECT_EQ((Reply{501, Status::bad_rcpt_syntax, ""}.enhanced()), "5.1.3");
  EXPECT_EQ((Reply{451, Status::system_error, ""}.enhanced()), "4.3.0");
  EXPECT_EQ((Reply{421, Status::timeout, ""}.enhanced()), "4.4.2");
  EXPECT_EQ((Reply{221, Status::none, ""}.enhanced()), "");
}

TEST(Reply, PositiveAndPermanent) {
  EXPECT_TRUE((Reply{354, Status::none, ""}.positive()));
  EXPECT_FALSE((Reply{450, Status::none, ""}.positive()));
  EXPECT_FALSE((Reply{450, Status::none, ""}.permanent()));
  EXPECT_TRUE((Reply{550, Status::none, ""}.permanent()));
}

TEST(EhloReply, GreetingThenOneKeywordPerLine) {
  EXPECT_EQ(ehlo_reply("mx.example.test", {"PIPELINING", "SIZE 1000", "8BITMIME"}).wire(),
            "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n");
  EXPECT_EQ(ehlo_reply("mx", {}).wire(), "250 mx\r\n");
}

}  // namespace
}  // namespace tern::smtp
