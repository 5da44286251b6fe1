// sendmail -bs (cli/sendmail_smtp): the dialogue without I/O — sequence errors, LF-only
// DATA lines, dot-unstuffing, XVERP, and what reaches the queue.
#include <gtest/gtest.h>

#include "cli/sendmail_smtp.hpp"

namespace tern::cli {
namespace {

struct Session : ::testing::Test {
  config::Params p;
  std::vector<Message> queued;
  std::unique_ptr<StdioSmtp> s;
  void SetUp() override {
    p.myhostname = "mail.example.test";
    p.myorigin = "example.test";
    p.append_at_myorigin = true;
    p.smtpd_banner = "mail.example.test ESMTP Tern";
    p.default_verp_delimiters = "+=";
    p.verp_delimiter_filter = "-=+";
    p.message_size_limit = 1000;
    s = std::make_unique<StdioSmtp>(p, [this](Message& m) -> Result<std::string> {
      queued.push_back(m);
      return std::string("QID");
    });
  }
};

TEST_F(Session, WholeDialogue) {
  EXPECT_EQ(s->greeting(), "220 mail.example.test ESMTP Tern\r\n");
  EXPECT_EQ(s->line("HELO client"), "250 mail.example.test\r\n");
  EXPECT_EQ(s->line("DATA"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(s->line("RCPT TO:<a@x.test>"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(s->line("MAIL FROM:<list@example.test> XVERP"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(s->line("MAIL FROM:<x@y>"), "503 5.5.1 Error: nested MAIL command\r\n");
  EXPECT_EQ(s->line("DATA"), "554 5.5.1 Error: no valid recipients\r\n");
  EXPECT_EQ(s->line("RCPT TO:<bob>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(s->line("DATA"), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(s->line("Subject: t"), "");
  EXPECT_EQ(s->line(""), "");
  EXPECT_EQ(s->line("..dot"), "");
  EXPECT_EQ(s->line("."), "250 2.0.0 Ok: queued as QID\r\n");
  ASSERT_EQ(queued.size(), 1u);
  const auto& e = queued[0].envelope;
  EXPECT_EQ(e.sender, "list@example.test");
  ASSERT_EQ(e.recipients.size(), 1u);
  EXPECT_EQ(e.recipients[0].address, "bob@example.test");
  EXPECT_EQ(e.verp, "+=");
  EXPECT_EQ(e.client.protocol, "LOCAL");
  EXPECT_EQ(e.client.helo, "client");
  EXPECT_NE(queued[0].content.find("Subject: t\n"), std::string::npos);
  EXPECT_NE(queued[0].content.find("\n.dot\n"), std::string::npos);
  EXPECT_EQ(s->line("QUIT"), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(s->done());
}

TEST_F(Session, BadInput) {
  EXPECT_EQ(s->line("EHLO"), "501 5.5.4 Syntax: EHLO hostname\r\n");
  EXPECT_EQ(s->line("FROBNICATE"), "500 5.5.2 Error: command not recognized\r\n");
  EXPECT_EQ(s->line("MAIL FROM:<unterminated"), "501 5.1.7 Bad sender address syntax\r\n");
  EXPECT_EQ(s->line("MAIL FROM:<a@b> SIZE=99999"), "552 5.3.4 Message size exceeds fixed limit\r\n");
  EXPECT_EQ(s->line("MAIL FROM:<a@b> XVERP=**"), "501 5.5.4 Error: bad XVERP syntax\r\n");
  EXPECT_EQ(s->line("MAIL FROM:<a@b> FOO=1"), "555 5.5.4 Unsupported option: FOO\r\n");
  EXPECT_EQ(s->line("MAIL FROM:<>"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(s->line("RCPT TO:<>"), "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(s->line("RCPT TO:<a@x.test>"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(s->line("DATA"), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(s->line(std::string(2000, 'x')), "");
  EXPECT_EQ(s->line("."), "552 5.3.4 Error: message file too big\r\n");
  EXPECT_TRUE(queued.empty());
  EXPECT_EQ(s->line("RSET"), "250 2.0.0 Ok\r\n");
}

}  // namespace
}  // namespace tern::cli
