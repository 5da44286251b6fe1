// Dovecot auth protocol pieces without I/O.
#include <gtest/gtest.h>

#include "sasl/dovecot_protocol.hpp"

namespace tern::sasl::dovecot {
namespace {

TEST(DovecotProtocol, LineSplitter) {
  LineSplitter s(16);
  s.feed("VERSION\t1\t2\r\nMECH\tPL");
  EXPECT_EQ(s.next(), "VERSION\t1\t2");
  EXPECT_FALSE(s.next());
  s.feed("AIN\n");
  EXPECT_EQ(s.next(), "MECH\tPLAIN");
  s.feed(std::string(20, 'x'));
  EXPECT_FALSE(s.next());
  EXPECT_TRUE(s.error());
}

TEST(DovecotProtocol, Handshake) {
  EXPECT_EQ(client_hello(42), "VERSION\t1\t1\nCPID\t42\n");
  Handshake h;
  for (const char* l : {"VERSION\t1\t2", "MECH\tPLAIN\tplaintext", "MECH\tlogin\tplaintext",
                        "MECH\tSCRAM-SHA-256\tmutual-auth", "SPID\t1611", "CUID\t1", "COOKIE\tabc"})
    EXPECT_EQ(h.feed(l), Handshake::State::more) << l;
  EXPECT_EQ(h.feed("DONE"), Handshake::State::done);
  ASSERT_EQ(h.mechanisms().size(), 3u);
  EXPECT_EQ(h.mechanisms()[1].name, "LOGIN");
  EXPECT_EQ(h.mechanisms()[0].flags, (std::vector<std::string>{"plaintext"}));

  Handshake master;  // the auth-master socket speaks version 2
  EXPECT_EQ(master.feed("VERSION\t2\t1"), Handshake::State::error);
  EXPECT_NE(master.error().find("auth-client"), std::string::npos);
  Handshake junk;
  EXPECT_EQ(junk.feed("MECH\tPLAIN"), Handshake::State::error);
}

TEST(DovecotProtocol, EncodesRequests) {
  AuthRequest r;
  r.id = 7;
  r.mechanism = "PLAIN";
  r.remote_ip = "192.0.2.7";
  r.local_ip = "192.0.2.1";
  r.secured = true;
  r.initial = "AGFsaWNlAHB3";
  EXPECT_EQ(encode(r),
            "AUTH\t7\tPLAIN\tservice=smtp\tnologin\tlip=192.0.2.1\trip=192.0.2.7\tsecured\tresp=AGFsaWNlAHB3\n");
  AuthRequest l;
  l.id = 8;
  l.mechanism = "LOGIN";
  l.service = "sub\tmission";
  EXPECT_EQ(encode(l), "AUTH\t8\tLOGIN\tservice=sub\001tmission\tnologin\n");
  EXPECT_EQ(encode_cont(8, "YWxpY2U="), "CONT\t8\tYWxpY2U=\n");
}

TEST(DovecotProtocol, ParsesReplies) {
  auto ok = parse_reply("OK\t1\tuser=alice");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, ServerReply::Kind::ok);
  EXPECT_EQ(ok->id, 1u);
  EXPECT_EQ(ok->user, "alice");
  auto fail = parse_reply("FAIL\t2\tuser=alice\ttemp\treason=Back\001tend down");
  ASSERT_TRUE(fail);
  EXPECT_TRUE(fail->temp);
  EXPECT_EQ(fail->reason, "Back\tend down");
  auto cont = parse_reply("CONT\t3\tVXNlcm5hbWU6");
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->data, "VXNlcm5hbWU6");
  bool malformed = false;
  EXPECT_FALSE(parse_reply("OK\tx", &malformed));
  EXPECT_TRUE(malformed);
  EXPECT_FALSE(parse_reply("CONT\t3", &malformed));
  EXPECT_TRUE(malformed);
  EXPECT_FALSE(parse_reply("NEWTHING\t1", &malformed));
  EXPECT_FALSE(malformed);
}

TEST(DovecotProtocol, TabEscapeRoundTrip) {
  std::string s("a\tb\nc\rd\001e", 9);
  EXPECT_EQ(tab_unescape(tab_escape(s)), s);
  EXPECT_EQ(tab_escape("x\ty"), "x\001ty");
}

}  // namespace
}  // namespace tern::sasl::dovecot
