// header_checks/body_checks: every action on headers and body lines, which table sees
// which header, the size limit, malformed answers, and Postfix's log lines.
#include "message/content_checks.hpp"

#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "../test_params.hpp"

namespace tern {
namespace {

using testing::TempDir;

class ContentChecksTest : public ::testing::Test {
 protected:
  TempDir dir;

  // Tables are regexp: files named after the parameter; "" leaves the parameter unset.
  ContentChecks checks(const std::string& header, const std::string& body = "",
                       std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> settings = std::move(extra);
    if (!header.empty()) {
      dir.write("header_checks", header);
      settings.emplace_back("header_checks", "regexp:" + dir.file("header_checks"));
    }
    if (!body.empty()) {
      dir.write("body_checks", body);
      settings.emplace_back("body_checks", "pcre:" + dir.file("body_checks"));
    }
    auto c = ContentChecks::make(testing::test_params(settings), {dir.path()});
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? std::move(*c) : ContentChecks{};
  }

  static Message message(std::string content) {
    Message m;
    m.envelope.queue_id = "4Yg3Nf0x5WzKz1";
    m.envelope.sender = "a@example.org";
    m.envelope.recipients = {Recipient{"c@example.net"}};
    m.envelope.client = ClientInfo{"unknown", "127.0.0.1", 4000, "x", "ESMTP"};
    m.content = std::move(content);
    return m;
  }

  ChecksOutcome run(Message& m, const ContentChecks& c) {
    auto out = run_content_checks(m, c);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    return out.ok() ? std::move(*out) : ChecksOutcome{};
  }
};

const char kPlain[] = "Subject: buy now\nFrom: a@example.org\n\nhello\nclick here\nbye\n";

TEST(CheckAction, ParsesEveryVerbCaseInsensitively) {
  struct Case {
    const char* in;
    CheckVerb verb;
    const char* text;
  } cases[] = {
      {"REJECT", CheckVerb::reject, "550 5.7.1 message content rejected"},
      {"reject go away", CheckVerb::reject, "550 5.7.1 go away"},
      {"REJECT 5.7.0 own code", CheckVerb::reject, "550 5.7.0 own code"},
      {"REJECT 4.7.1 later", CheckVerb::reject, "451 4.7.1 later"},
      {"REJECT 2.0.0 odd class", CheckVerb::reject, "451 4.0.0 odd class"},
      {"REJECT 5.7.1", CheckVerb::reject, "550 5.7.1"},
      {"REJECT 5.7.1x not a code", CheckVerb::reject, "550 5.7.1 5.7.1x not a code"},
      {"Discard", CheckVerb::discard, ""},
      {"DISCARD  spam ", CheckVerb::discard, "spam "},  // only leading blanks go, as in Postfix
      {"HOLD look at it", CheckVerb::hold, "look at it"},
      {"REDIRECT x@y.test", CheckVerb::redirect, "x@y.test"},
      {"FILTER smtp:[127.0.0.1]:10025", CheckVerb::filter, "smtp:[127.0.0.1]:10025"},
      {"FILTER scan:", CheckVerb::filter, "scan:"},
      {"BCC archive@y.test", CheckVerb::bcc, "archive@y.test"},
      {"PREPEND X-Tag: 1", CheckVerb::prepend, "X-Tag: 1"},
      {"REPLACE Subject: [spam]", CheckVerb::replace, "Subject: [spam]"},
      {"IGNORE", CheckVerb::ignore, ""},
      {"STRIP gone", CheckVerb::strip, "gone"},
      {"WARN w", CheckVerb::warn, "w"},
      {"INFO i", CheckVerb::info, "i"},
      {"PASS trusted", CheckVerb::pass, "trusted"},
      {"DUNNO", CheckVerb::dunno, ""},
      {"OK", CheckVerb::dunno, ""},
  };
  for (const auto& c : cases) {
    auto a = parse_check_action(c.in, true);
    ASSERT_TRUE(a.ok()) << c.in << ": " << a.error().message;
    EXPECT_EQ(a->verb, c.verb) << c.in;
    EXPECT_EQ(a->text, c.text) << c.in;
  }
}

TEST(CheckAction, MalformedAnswersAreErrors) {
  struct Case {
    const char* in;
    bool header;
    const char* error;
  } cases[] = {
      {"", true, "unknown command: "},
      {"FROBNICATE x", true, "unknown command: FROBNICATE x"},
      {"REJECTX", true, "unknown command: REJECTX"},
      {"550 text", true, "unknown command: 550 text"},
      {"REDIRECT nobody", true, "bad REDIRECT address \"nobody\" -- need user@domain"},
      {"REDIRECT @y", true, "bad REDIRECT address \"@y\" -- need user@domain"},
      {"BCC x@", true, "bad BCC address \"x@\" -- need user@domain"},
      {"BCC a b@c", true, "bad BCC address \"a b@c\" -- need user@domain"},
      {"FILTER", true, "bad FILTER command \"\" -- need transport:destination"},
      {"FILTER nocolon", true, "bad FILTER command \"nocolon\" -- need transport:destination"},
      {"FILTER :x", true, "bad FILTER command \":x\" -- need transport:destination"},
      {"PREPEND", false, "PREPEND action without text"},
      {"REPLACE", true, "REPLACE action without text"},
      {"PREPEND not a header", true, "bad PREPEND header text \"not a header\" -- need \"headername: headervalue\""},
      {"REPLACE a\nb: c", false, "REPLACE text must be one line"},
  };
  for (const auto& c : cases) {
    auto a = parse_check_action(c.in, c.header);
    ASSERT_FALSE(a.ok()) << c.in;
    EXPECT_EQ(a.error().message, c.error) << c.in;
  }
  EXPECT_TRUE(parse_check_action("PREPEND any body text", false).ok());
}

TEST_F(ContentChecksTest, NoTablesNoWork) {
  ContentChecks c = checks("");
  EXPECT_TRUE(c.empty());
  Message m = message(kPlain);
  auto out = run(m, c);
  EXPECT_TRUE(out.reject.empty());
  EXPECT_TRUE(out.log.empty());
  EXPECT_EQ(m.content, kPlain);
}

TEST_F(ContentChecksTest, RejectOnHeaderLogsLikePostfix) {
  ContentChecks c = checks("/^Subject: buy/ REJECT no ads here\n");
  Message m = message(kPlain);
  auto out = run(m, c);
  EXPECT_EQ(out.reject, "550 5.7.1 no ads here");
  ASSERT_EQ(out.log.size(), 1u);
  EXPECT_EQ(out.log[0], "4Yg3Nf0x5WzKz1: reject: header Subject: buy now from unknown[127.0.0.1]; "
                        "from=<a@example.org> to=<c@example.net> proto=ESMTP helo=<x>: 5.7.1 no ads here");
  EXPECT_EQ(m.content, kPlain);
}

TEST_F(ContentChecksTest, RejectOnBodyStopsInspection) {
  ContentChecks c = checks("", "/^click/ REJECT\n/^bye/ WARN never seen\n");
  Message m = message(kPlain);
  m.envelope.client.protocol = "LOCAL";
  auto out = run(m, c);
  EXPECT_EQ(out.reject, "550 5.7.1 message content rejected");
  ASSERT_EQ(out.log.size(), 1u);
  EXPECT_EQ(out.log[0], "4Yg3Nf0x5WzKz1: reject: body click here from local; from=<a@example.org> "
                        "to=<c@example.net>: 5.7.1 message content rejected");
}

TEST_F(ContentChecksTest, DiscardHoldWarnInfo) {
  ContentChecks c = checks("/^Subject:/ HOLD quarantine\n/^From:/ HOLD again\n", "/^hello/ WARN greeting\n/^bye/ INFO farewell\n");
  Message m = message(kPlain);
  auto out = run(m, c);
  EXPECT_TRUE(out.hold);
  EXPECT_FALSE(out.discard);
  ASSERT_EQ(out.log.size(), 3u);  // HOLD is logged once
  EXPECT_NE(out.log[0].find(": hold: header Subject: buy now from "), std::string::npos);
  EXPECT_NE(out.log[0].find("helo=<x>: quarantine"), std::string::npos);
  EXPECT_NE(out.log[1].find(": warning: body hello from "), std::string::npos);
  EXPECT_NE(out.log[2].find(": info: body bye from "), std::string::npos);

  ContentChecks d = checks("/^From:/ DISCARD\n/^Subject:/ REJECT first header\n");
  Message m2 = message(kPlain);
  auto out2 = run(m2, d);
  EXPECT_FALSE(out2.discard);  // Subject: comes first and the REJECT wins
  EXPECT_FALSE(out2.reject.empty());
  ContentChecks e = checks("/^From:/ DISCARD dropped\n", "/^hello/ REJECT\n");
  Message m3 = message(kPlain);
  auto out3 = run(m3, e);
  EXPECT_TRUE(out3.discard);
  EXPECT_TRUE(out3.reject.empty());  // inspection ended at DISCARD
  ASSERT_EQ(out3.log.size(), 1u);
  EXPECT_NE(out3.log[0].find(": discard: header From: a@example.org from "), std::string::npos);
  EXPECT_NE(out3.log[0].find(": dropped"), std::string::npos);
}

TEST_F(ContentChecksTest, PrependReplaceIgnoreStripOnHeadersAndBody) {
  ContentChecks c = checks("/^Subject: (.*)/ REPLACE Subject: [ad] $1\n/^From:/ PREPEND X-Seen: from\n/^X-Drop:/ IGNORE\n",
                           "/^hello/ PREPEND before hello\n/^click/ STRIP link\n/^bye/ REPLACE goodbye\n");
  Message m = message("Subject: buy now\nX-Drop: x\n\tfolded\nFrom: a@example.org\n\nhello\nclick here\nbye\n");
  auto out = run(m, c);
  EXPECT_EQ(m.content, "Subject: [ad] buy now\nX-Seen: from\nFrom: a@example.org\n\nbefore hello\nhello\ngoodbye\n");
  EXPECT_FALSE(out.hold);
  std::string all;
  for (const auto& l : out.log) all += l + "\n";
  EXPECT_NE(all.find(": replace: header Subject: buy now from "), std::string::npos);
  EXPECT_NE(all.find(": strip: body click here from "), std::string::npos);
  EXPECT_EQ(all.find("X-Drop"), std::string::npos);  // IGNORE is silent
}

TEST_F(ContentChecksTest, RedirectFilterBcc) {
  ContentChecks c = checks("/^Subject:/ FILTER scan:[127.0.0.1]:10025\n/^From:/ BCC archive@example.net\n",
                           "/^hello/ BCC second@example.net\n/^click/ REDIRECT trap@example.net\n/^bye/ REJECT unseen\n");
  Message m = message(kPlain);
  auto out = run(m, c);
  EXPECT_EQ(out.bcc, (std::vector<std::string>{"archive@example.net", "second@example.net"}));
  EXPECT_EQ(out.redirect, "trap@example.net");
  EXPECT_TRUE(out.filter.empty());  // REDIRECT overrides FILTER
  EXPECT_TRUE(out.reject.empty());  // and ends inspection
  ContentChecks f = checks("/^Subject:/ FILTER one:\n/^From:/ FILTER two:x\n");
  Message m2 = message(kPlain);
  EXPECT_EQ(run(m2, f).filter, "two:x");  // the last one
}

TEST_F(ContentChecksTest, BadAnswersWarnAndAreSkipped) {
  ContentChecks c = checks("/^Subject:/ FROB\n/^From:/ PREPEND no header\n");
  Message m = message(kPlain);
  auto out = run(m, c);
  EXPECT_EQ(m.content, kPlain);
  ASSERT_EQ(out.warnings.size(), 2u);
  EXPECT_EQ(out.warnings[0], "4Yg3Nf0x5WzKz1: header_checks: unknown command: FROB");
}

const char kMime[] =
    "Subject: outer\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "Subject: part header\n"
    "\n"
    "text\n"
    "--b\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: nested\n"
    "\n"
    "inner body\n"
    "--b--\n";

TEST_F(ContentChecksTest, EachHeaderClassGoesToItsTable) {
  dir.write("h", "/^Subject: (.*)/ WARN primary $1\n");
  dir.write("m", "/^(Subject|Content-Type): (.*)/ WARN mime $2\n");
  dir.write("n", "/^Subject: (.*)/ WARN nested $1\n");
  ContentChecks c = checks("", "", {{"header_checks", "regexp:" + dir.file("h")},
                                    {"mime_header_checks", "regexp:" + dir.file("m")},
                                    {"nested_header_checks", "regexp:" + dir.file("n")}});
  Message m = message(kMime);
  auto out = run(m, c);
  std::vector<std::string> texts;
  for (const auto& l : out.log) texts.push_back(l.substr(l.rfind(": ") + 2));
  EXPECT_EQ(texts, (std::vector<std::string>{"primary outer", "mime multipart/mixed; boundary=\"b\"", "mime text/plain",
                                             "mime part header", "mime message/rfc822", "nested nested"}));
}

TEST_F(ContentChecksTest, MimeAndNestedDefaultToHeaderChecks) {
  ContentChecks c = checks("/^Subject: nested/ REJECT nested seen\n");
  Message m = message(kMime);
  EXPECT_EQ(run(m, c).reject, "550 5.7.1 nested seen");
  ContentChecks off = checks("/^Subject: nested/ REJECT nested seen\n", "", {{"nested_header_checks", ""}});
  Message m2 = message(kMime);
  EXPECT_TRUE(run(m2, off).reject.empty());
}

TEST_F(ContentChecksTest, BodyChecksSeeBoundariesAndBodiesNotPartHeaders) {
  ContentChecks c = checks("", "/(.*)/ INFO $1\n");
  Message m = message(kMime);
  auto out = run(m, c);
  std::vector<std::string> lines;
  for (const auto& l : out.log) lines.push_back(l.substr(l.rfind(": ") + 2));
  EXPECT_EQ(lines, (std::vector<std::string>{"--b", "text", "--b", "inner body", "--b--"}));
}

TEST_F(ContentChecksTest, BodySizeLimitPerSegment) {
  ContentChecks c = checks("", "/^late/ REJECT\n", {{"body_checks_size_limit", "10"}});
  Message m = message("Subject: x\n\n0123456789\nlate\n");
  EXPECT_TRUE(run(m, c).reject.empty());
  Message m2 = message("Subject: x\n\n012345678\nlate\n");  // starts at byte 10: not checked
  EXPECT_TRUE(run(m2, c).reject.empty());
  Message m3 = message("Subject: x\n\n01234567\nlate\n");  // starts at byte 9: checked
  EXPECT_FALSE(run(m3, c).reject.empty());
  Message parts = message(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n0123456789\nlate\n--b\n\nlate\n--b--\n");
  EXPECT_FALSE(run(parts, c).reject.empty());  // the second part's count starts again
}

TEST_F(ContentChecksTest, MalformedMimeLosesNothing) {
  ContentChecks c = checks("/^X-Tag:/ IGNORE\n", "/^zzz/ REJECT\n");
  std::string content =
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=\"\n"
      "no blank line\n--b\nX-Tag: 1\n\nend without closing\n";
  Message m = message(content);
  auto out = run(m, c);
  EXPECT_TRUE(out.reject.empty());
  std::string expect = content;
  expect.erase(expect.find("X-Tag: 1\n"), 9);
  EXPECT_EQ(m.content, expect);
}

TEST_F(ContentChecksTest, UnreadableTableAtConfigLoadIsAnError) {
  auto c = ContentChecks::make(testing::test_params({{"header_checks", "regexp:" + dir.file("missing")}}), {dir.path()});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message.rfind("header_checks: ", 0), 0u) << c.error().message;
  dir.write("bad", "/(unclosed/ REJECT\n");
  auto b = ContentChecks::make(testing::test_params({{"body_checks", "regexp:" + dir.file("bad")}}), {dir.path()});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message.rfind("body_checks: ", 0), 0u) << b.error().message;
  auto m = ContentChecks::make(testing::test_params({{"milter_header_checks", "static:WARN"}}), {dir.path()});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message, "milter_header_checks is not supported yet: headers added by milters are not checked");
  auto sh = ContentChecks::make(testing::test_params({{"smtp_header_checks", "static:WARN"}}), {dir.path()});
  ASSERT_FALSE(sh.ok());
  EXPECT_EQ(sh.error().message, "smtp_header_checks is not supported yet: the SMTP client does not inspect the mail it sends");
  auto sb = ContentChecks::make(testing::test_params({{"smtp_body_checks", "static:WARN"}}), {dir.path()});
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.error().message, "smtp_body_checks is not supported yet: the SMTP client does not inspect the mail it sends");
}

}  // namespace
}  // namespace tern
