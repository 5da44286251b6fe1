// The milter codec: commands encode as libmilter reads them; replies decode field by field
// and every malformed reply is an error (which fails the milter, milter_default_action).
#include <gtest/gtest.h>

#include "milter/protocol.hpp"

namespace tern::milter {
namespace {

using namespace std::string_literals;

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

Result<Reply> reply(char code, std::string payload) { return parse_reply(Packet{code, std::move(payload)}); }

TEST(MilterProtocol, EncodesCommands) {
  EXPECT_EQ(packet(Command::eoh), be32(1) + "N");
  EXPECT_EQ(encode_optneg(6, action::all, step::offered), be32(13) + "O" + be32(6) + be32(0x1FF) + be32(0x1FF7FF));
  EXPECT_EQ(encode_macros(Command::mail, {{"i", "QID"}, {"{mail_addr}", "a@b"}}),
            be32(24) + "DMi\0QID\0{mail_addr}\0a@b\0"s);
  EXPECT_EQ(encode_connect("host", '4', 25, "192.0.2.1"), be32(19) + "Chost\0" "4\0\x19" "192.0.2.1\0"s);
  EXPECT_EQ(encode_connect("host", 'U', 0, ""), be32(7) + "Chost\0U"s);
  EXPECT_EQ(encode_strings(Command::rcpt, {"<a@b>", "NOTIFY=NEVER"}), be32(20) + "R<a@b>\0NOTIFY=NEVER\0"s);
  EXPECT_EQ(encode_header("Subject", "hi"), be32(12) + "LSubject\0hi\0"s);
}

TEST(MilterProtocol, PacketReaderSplitsAndRefusesBadLengths) {
  PacketReader r;
  std::string two = be32(1) + "c" + be32(3) + "yab";
  r.feed(two.substr(0, 3));
  EXPECT_FALSE(r.next());
  r.feed(two.substr(3, 4));
  auto p = r.next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, 'c');
  EXPECT_FALSE(r.next());  // need more
  r.feed(two.substr(7));
  p = r.next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload, "ab");
  EXPECT_TRUE(r.error().empty());

  PacketReader zero;
  zero.feed(be32(0) + "c");
  EXPECT_FALSE(zero.next());
  EXPECT_EQ(zero.error(), "packet of length 0");
  PacketReader big(100);
  big.feed(be32(101));
  EXPECT_FALSE(big.next());
  EXPECT_NE(big.error().find("exceeds the limit"), std::string::npos);
}

TEST(MilterProtocol, Negotiation) {
  auto n = parse_optneg(be32(6) + be32(0x21) + be32(0x80) + be32(1) + "j {daemon_name}\0"s + be32(3) + "rcpt_addr\0"s);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->version, 6u);
  EXPECT_EQ(n->actions, 0x21u);
  EXPECT_EQ(n->steps, 0x80u);
  ASSERT_TRUE(n->macros[1]);
  EXPECT_EQ(*n->macros[1], (std::vector<std::string>{"j", "{daemon_name}"}));
  EXPECT_EQ(*n->macros[3], (std::vector<std::string>{"{rcpt_addr}"}));
  EXPECT_FALSE(n->macros[0]);
  EXPECT_FALSE(parse_optneg(be32(6) + be32(0)));                             // short
  EXPECT_FALSE(parse_optneg(be32(6) + be32(0) + be32(0) + be32(1)));         // list without names
  EXPECT_FALSE(parse_optneg(be32(6) + be32(0) + be32(0) + be32(1) + "j"));  // names without NUL
  EXPECT_FALSE(parse_optneg(be32(6) + be32(0) + be32(0) + be32(7) + "j\0"s));  // no such stage
  EXPECT_FALSE(parse_optneg(be32(6) + be32(0) + be32(0) + "\0\0"s));          // truncated stage
}

TEST(MilterProtocol, DecodesEveryReply) {
  for (char c : {'a', 'c', 'd', 'r', 't', 'p', 's'}) EXPECT_TRUE(reply(c, "")) << c;
  auto r = reply('y', "550 5.7.1 no\0"s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "550 5.7.1 no");
  r = reply('h', "X-A\0value\0"s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "X-A");
  EXPECT_EQ(r->value, "value");
  r = reply('i', be32(2) + "X-B\0v\0"s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->index, 2u);
  r = reply('m', be32(1) + "Subject\0\0"s);  // delete
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->value.empty());
  r = reply('2', "<a@b>\0NOTIFY=NEVER\0"s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "<a@b>");
  EXPECT_EQ(r->args, "NOTIFY=NEVER");
  r = reply('e', "<x@y>\0"s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->args, "");
  EXPECT_EQ(reply('b', "raw\r\nbody")->text, "raw\r\nbody");
  EXPECT_EQ(reply('q', "why\0"s)->text, "why");
  EXPECT_EQ(reply('+', "<a@b>\0"s)->text, "<a@b>");
  EXPECT_EQ(reply('-', "<a@b>\0"s)->text, "<a@b>");
}

TEST(MilterProtocol, RefusesMalformedReplies) {
  struct Case {
    char code;
    std::string payload;
  } cases[] = {
      {'a', "x"},                             // payload where none belongs
      {'y', "550 5.7.1 no"},                  // no NUL
      {'y', "250 ok\0"s},                     // not 4XX/5XX
      {'y', "55\0"s},                         // too short
      {'y', "550x\0"s},                       // no separator
      {'y', "550-first\0"s},                  // '-' but no next line
      {'y', "550-first\r\n451 second\0"s},    // code changes between lines
      {'y', "550 one\r\n550 two\0"s},         // text after the last line
      {'y', "550 bare\nLF\0"s},               // bare LF
      {'y', "550 a\0extra"s},                 // bytes after the string
      {'h', "X-A\0"s},                        // no value
      {'h', "\0v\0"s},                        // empty name
      {'h', "X A\0v\0"s},                     // space in the name
      {'h', "X:A\0v\0"s},                     // colon in the name
      {'i', "\0\0"s},                         // truncated index
      {'m', be32(1) + "X\0v"},                // value without NUL
      {'+', "\0"s},                           // empty address
      {'2', "\0"s},                           // empty address
      {'e', "<a>\0args"s},                    // args without NUL
      {'q', "reason"},                        // no NUL
      {'l', ""},                              // SETSYMLIST is an OPTNEG matter, not a reply
      {'Z', ""},                              // unknown
  };
  for (const auto& c : cases) {
    auto r = reply(c.code, c.payload);
    EXPECT_FALSE(r) << c.code << " " << c.payload;
  }
}

TEST(MilterProtocol, ReplyCodes) {
  EXPECT_EQ(*check_reply_code("451 4.7.1 later"), 451);
  EXPECT_EQ(*check_reply_code("550"), 550);
  EXPECT_EQ(*check_reply_code("550-5.7.1 one\r\n550 5.7.1 two"), 550);
  EXPECT_FALSE(check_reply_code("650 x"));
  EXPECT_FALSE(check_reply_code("5a0 x"));
  EXPECT_FALSE(check_reply_code("550-one\r\n550-two"));
  EXPECT_FALSE(check_reply_code("550\r\n550 x"));
}

TEST(MilterProtocol, MacroNames) {
  EXPECT_EQ(macro_name("i"), "i");
  EXPECT_EQ(macro_name("daemon_name"), "{daemon_name}");
  EXPECT_EQ(macro_name("{daemon_name}"), "{daemon_name}");
  EXPECT_EQ(reply_name('y'), "SMFIR_REPLYCODE");
  EXPECT_EQ(reply_name('\x01'), "reply 0x01");
}

}  // namespace
}  // namespace tern::milter
