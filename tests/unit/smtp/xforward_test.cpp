// XFORWARD (Postfix's XFORWARD_README): the server's parser with its malformed forms, the
// forwarded client of one transaction, and the client's commands read back by the parser.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "message/receive_overrides.hpp"
#include "smtp/xforward.hpp"

namespace tern::smtp {
namespace {

std::vector<std::string> all_attrs() { return {"NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE"}; }

TEST(Xforward, ParsesEveryAttribute) {
  auto r = parse_xforward("NAME=mail.example.org ADDR=192.0.2.7 PORT=40122 PROTO=ESMTP HELO=mx.example.org "
                          "IDENT=4Yg3Nf0x5WzK SOURCE=remote");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 7u);
  EXPECT_EQ((*r)[0].attr, XforwardAttr::name);
  EXPECT_EQ((*r)[0].value, "mail.example.org");
  EXPECT_EQ((*r)[2].value, "40122");
  EXPECT_EQ((*r)[6].value, "REMOTE");
}

TEST(Xforward, NamesAndUnavailableAreCaseInsensitive) {
  auto r = parse_xforward("name=[unavailable] Addr=[TempUnavail] helo=[UNAVAILABLE]");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  for (const auto& it : *r) EXPECT_FALSE(it.value.has_value());
}

TEST(Xforward, DecodesXtextAndIpv6Addresses) {
  auto r = parse_xforward("HELO=a+2Bb ADDR=IPv6:2001:db8::1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].value, "a+b");
  EXPECT_EQ((*r)[1].value, "2001:db8::1");
}

TEST(Xforward, RefusesMalformedCommands) {
  for (const char* bad : {"", "   ", "NAME", "=x", "NAME=", "FOO=bar", "NAME=a NOPE=b", "ADDR=mail.example",
                          "ADDR=[192.0.2.1]", "ADDR=IPv6:", "ADDR=300.1.1.1", "PORT=-1", "PORT=65536", "PORT=12a",
                          "SOURCE=elsewhere", "HELO=a+2", "HELO=a+zz", "NAME=a=b"}) {
    auto r = parse_xforward(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_EQ(parse_xforward("FOO=bar").error().message, "Bad XFORWARD attribute name: FOO");
  EXPECT_EQ(parse_xforward("").error().message, "Syntax: XFORWARD attribute=value...");
  EXPECT_EQ(parse_xforward("ADDR=nothing").error().message, "Bad XFORWARD ADDR syntax");
}

TEST(Xforward, EnforcesLengthLimits) {
  EXPECT_TRUE(parse_xforward("NAME=" + std::string(255, 'a')).ok());
  EXPECT_FALSE(parse_xforward("NAME=" + std::string(256, 'a')).ok());
  EXPECT_TRUE(parse_xforward("PROTO=" + std::string(64, 'P')).ok());
  EXPECT_FALSE(parse_xforward("PROTO=" + std::string(65, 'P')).ok());
}

TEST(Xforward, NeutersCharactersSpecialInHeaders) {
  auto r = parse_xforward("HELO=evil+0Ahost+3B NAME=a<b>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].value, "evil?host?");
  EXPECT_EQ((*r)[1].value, "a?b?");
}

TEST(ForwardedClient, FirstCommandClearsThenEachOverwrites) {
  ForwardedClient f;
  f.apply(*parse_xforward("NAME=mail.example.org ADDR=192.0.2.7 PROTO=ESMTP"));
  f.apply(*parse_xforward("HELO=helo.example PORT=2525"));
  f.apply(*parse_xforward("NAME=[UNAVAILABLE]"));
  ClientInfo c = f.client();
  EXPECT_EQ(c.name, "unknown");
  EXPECT_EQ(c.addr, "192.0.2.7");
  EXPECT_EQ(c.port, 2525);
  EXPECT_EQ(c.helo, "helo.example");
  EXPECT_EQ(c.protocol, "ESMTP");
  EXPECT_FALSE(c.local_source);
}

TEST(ForwardedClient, NoAddressIsALocalSubmission) {
  ForwardedClient f;
  f.apply(*parse_xforward("NAME=mail.example.org HELO=x PROTO=ESMTP"));
  ClientInfo c = f.client();
  EXPECT_EQ(c.protocol, "LOCAL");
  EXPECT_TRUE(c.is_local());
  EXPECT_EQ(c.helo, "");  // the other attributes are ignored
}

TEST(ForwardedClient, SourceLocalMarksLocalMail) {
  ForwardedClient f;
  f.apply(*parse_xforward("ADDR=192.0.2.7 SOURCE=LOCAL"));
  EXPECT_TRUE(f.client().local_source);
  EXPECT_EQ(f.client().protocol, "SMTP");
}

TEST(XforwardCommands, RoundTripThroughTheParser) {
  ClientInfo c{"mail.example.org", "2001:db8::7", 40122, "helo+x.example", "ESMTPS"};
  auto cmds = xforward_commands(c, "4Yg3Nf0x5WzK", all_attrs());
  ASSERT_EQ(cmds.size(), 2u);
  ForwardedClient f;
  for (const auto& line : cmds) {
    ASSERT_TRUE(line.starts_with("XFORWARD ")) << line;
    ASSERT_TRUE(line.ends_with("\r\n"));
    EXPECT_LE(line.size(), 512u);
    auto items = parse_xforward(std::string_view(line).substr(9, line.size() - 11));
    ASSERT_TRUE(items.ok()) << line << ": " << items.error().message;
    f.apply(*items);
  }
  ClientInfo back = f.client();
  EXPECT_EQ(back.name, c.name);
  EXPECT_EQ(back.addr, c.addr);
  EXPECT_EQ(back.port, c.port);
  EXPECT_EQ(back.helo, c.helo);
  EXPECT_EQ(back.protocol, c.protocol);
  EXPECT_EQ(f.ident, "4Yg3Nf0x5WzK");
  EXPECT_EQ(f.source, "REMOTE");
}

TEST(XforwardCommands, OnlyWhatTheServerOffers) {
  ClientInfo c{"mail.example.org", "192.0.2.7", 25, "h", "ESMTP"};
  auto cmds = xforward_commands(c, "ID", {"name", "ADDR"});
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0], "XFORWARD NAME=mail.example.org ADDR=192.0.2.7\r\n");
  EXPECT_TRUE(xforward_commands(c, "ID", {}).empty());
}

TEST(XforwardCommands, LocalSubmissionHasNoClient) {
  ClientInfo c{"localhost", "127.0.0.1", 0, "", "LOCAL"};
  auto cmds = xforward_commands(c, "ID", all_attrs());
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0], "XFORWARD NAME=[UNAVAILABLE] ADDR=[UNAVAILABLE] PORT=[UNAVAILABLE] PROTO=LOCAL\r\n");
  EXPECT_EQ(cmds[1], "XFORWARD HELO=[UNAVAILABLE] IDENT=ID SOURCE=LOCAL\r\n");
}

TEST(XforwardCommands, OverlongValuesStayUnderTheCommandLimit) {
  ClientInfo c{std::string(300, 'n'), "192.0.2.7", 25, std::string(255, '+'), std::string(100, 'P')};
  for (const auto& line : xforward_commands(c, "ID", all_attrs())) {
    EXPECT_LE(line.size(), 512u) << line;
    auto items = parse_xforward(std::string_view(line).substr(9, line.size() - 11));
    EXPECT_TRUE(items.ok()) << line;
  }
}

}  // namespace
}  // namespace tern::smtp

namespace tern {
namespace {

TEST(ReceiveOverrides, ParsesEveryOption) {
  auto o = ReceiveOverrides::parse({"no_unknown_recipient_checks", "NO_ADDRESS_MAPPINGS", "no_header_body_checks",
                                    "no_milters"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->no_unknown_recipient_checks && o->no_address_mappings && o->no_header_body_checks && o->no_milters);
  Envelope e;
  o->mark(e);
  EXPECT_TRUE(e.no_address_mappings && e.no_header_body_checks && e.no_milters);
  auto none = ReceiveOverrides::parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->no_milters || none->no_address_mappings);
}

TEST(ReceiveOverrides, UnknownOptionIsAnError) {
  for (const char* bad : {"no_header_reply", "no_milter", "", "no_unknown_recipient_checks=yes"}) {
    auto o = ReceiveOverrides::parse({"no_milters", bad});
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_NE(o.error().message.find("receive_override_options: unknown option"), std::string::npos);
  }
}

}  // namespace
}  // namespace tern
