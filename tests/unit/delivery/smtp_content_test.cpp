// DATA payload encoding and the 8BITMIME downgrade (delivery/smtp/content.hpp, mime.hpp).
#include <gtest/gtest.h>

#include "delivery/smtp/content.hpp"
#include "delivery/smtp/mime.hpp"

namespace tern::delivery::smtp {
namespace {

TEST(SmtpContent, CrlfAndDotStuffing) {
  EXPECT_EQ(data_payload("a\n.b\n..c\nd"), "a\r\n..b\r\n...c\r\nd\r\n.\r\n");
  EXPECT_EQ(data_payload(""), ".\r\n");
  EXPECT_EQ(data_payload(".\n"), "..\r\n.\r\n");
}

TEST(SmtpContent, LongLinesAreFoldedAtTheLimit) {
  EXPECT_EQ(data_payload("abcdefgh\nxy\n", 3), "abc\r\n def\r\n gh\r\nxy\r\n.\r\n");
  EXPECT_EQ(data_payload(".abcd\n", 3), "..ab\r\n cd\r\n.\r\n");
  EXPECT_EQ(data_payload(std::string(998, 'x') + "\n", 998), std::string(998, 'x') + "\r\n.\r\n");
}

TEST(SmtpContent, QuotedPrintable) {
  EXPECT_EQ(quoted_printable("caf\xc3\xa9 = ok \nend\t\n"), "caf=C3=A9 =3D ok=20\nend=09\n");
  std::string longline(100, 'x');
  std::string q = quoted_printable(longline + "\n");
  EXPECT_EQ(q.find("=\n"), 75u);
  EXPECT_EQ(q.size(), 100u + 2 + 1);
}

Message msg(std::string content, std::string body_type = "8BITMIME") {
  Message m;
  m.envelope.body_type = body_type;
  m.content = std::move(content);
  return m;
}

TEST(SmtpContent, EightBitToAPeerWithout8bitmimeIsConverted) {
  auto c = prepare_body(msg("Subject: x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                            "gr\xc3\xbc\xc3\x9f\n"),
                        false, true);
  EXPECT_TRUE(c.downgraded);
  EXPECT_EQ(c.body_type, "");
  EXPECT_EQ(c.content,
            "MIME-Version: 1.0\nSubject: x\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\ngr=C3=BC=C3=9F\n");
  EXPECT_FALSE(has_8bit(c.content));
}

TEST(SmtpContent, MultipartPartsAreConvertedOneByOne) {
  std::string in =
      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B1\"\n\npreamble\n--B1\n"
      "Content-Type: text/plain\n\nplain ascii\n--B1\nContent-Type: text/plain; charset=latin1\n\n\xe9t\xe9\n--B1--\n";
  auto c = prepare_body(msg(in), false, true);
  EXPECT_FALSE(has_8bit(c.content));
  EXPECT_NE(c.content.find("--B1\nContent-Type: text/plain\n\nplain ascii\n--B1\n"), std::string::npos);
  EXPECT_NE(c.content.find("charset=latin1\nContent-Transfer-Encoding: quoted-printable\n\n=E9t=E9\n--B1--\n"),
            std::string::npos);
}

TEST(SmtpContent, NoConversionWhenThePeerTakes8bitOrItIsDisabled) {
  auto c = prepare_body(msg("Subject: x\n\n\xc3\xa9\n"), true, true);
  EXPECT_EQ(c.body_type, "8BITMIME");
  EXPECT_FALSE(c.downgraded);
  c = prepare_body(msg("Subject: x\n\n\xc3\xa9\n"), false, false);
  EXPECT_EQ(c.content, "Subject: x\n\n\xc3\xa9\n");
  EXPECT_FALSE(c.downgraded);
}

}  // namespace
}  // namespace tern::delivery::smtp
