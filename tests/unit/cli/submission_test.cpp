// sendmail's input handling (cli/submission): the lone "." rule and -i, CRLF input,
// -t recipient extraction from To/Cc/Bcc (Resent- first), Bcc removal, RFC 5322 address
// lists including malformed ones, From: for -F, VERP delimiters and qualification.
#include <gtest/gtest.h>

#include "cli/submission.hpp"

namespace tern::cli {
namespace {

TEST(ReadMessage, LoneDotEndsInputUnlessI) {
  EXPECT_EQ(read_message_text("a\n.\nb\n", true), "a\n");
  EXPECT_EQ(read_message_text("a\n.\nb\n", false), "a\n.\nb\n");
  EXPECT_EQ(read_message_text("a\r\n.\r\nb\r\n", true), "a\n");
  EXPECT_EQ(read_message_text("..\n. \n.x\n", true), "..\n. \n.x\n");  // only a lone dot
  EXPECT_EQ(read_message_text("no newline", true), "no newline\n");
  EXPECT_EQ(read_message_text("", true), "");
  EXPECT_EQ(read_message_text(".", true), "");
  EXPECT_EQ(read_message_text("a\r\nb", false), "a\nb\n");
}

TEST(SplitMessage, HeadersContinuationsAndBody) {
  auto m = split_message("To: a@b,\n c@d\nSubject: x\n\nbody\n");
  ASSERT_EQ(m.headers.size(), 2u);
  EXPECT_EQ(m.headers[0].name, "To");
  EXPECT_EQ(m.headers[0].text, "To: a@b,\n c@d\n");
  EXPECT_EQ(m.body, "\nbody\n");
  auto n = split_message("not a header\nTo: x\n");
  EXPECT_TRUE(n.headers.empty());
  EXPECT_EQ(n.body, "not a header\nTo: x\n");
  auto o = split_message(" leading continuation\n");
  EXPECT_TRUE(o.headers.empty());
  auto p = split_message("Subject: no final newline");
  ASSERT_EQ(p.headers.size(), 1u);
  EXPECT_EQ(join_message(p), "Subject: no final newline\n");
}

TEST(AddressList, Forms) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parse_address_list(" a@x.test"), V{"a@x.test"});
  EXPECT_EQ(parse_address_list("Al Bo <al@x.test>, bo@y.test (Bo B)"), (V{"al@x.test", "bo@y.test"}));
  EXPECT_EQ(parse_address_list("\"Doe, J\" <j@x.test>"), V{"j@x.test"});
  EXPECT_EQ(parse_address_list("team: a@x.test, b@x.test;, c@y.test"),
            (V{"a@x.test", "b@x.test", "c@y.test"}));
  EXPECT_EQ(parse_address_list("undisclosed-recipients:;"), V{});
  EXPECT_EQ(parse_address_list("<@relay.test:u@x.test>"), V{"u@x.test"});
  EXPECT_EQ(parse_address_list("\"odd local\"@x.test"), V{"\"odd local\"@x.test"});
  EXPECT_EQ(parse_address_list("a@x.test (nested (comment)) , b@x.test"), (V{"a@x.test", "b@x.test"}));
}

TEST(AddressList, MalformedPiecesAreSkipped) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parse_address_list(""), V{});
  EXPECT_EQ(parse_address_list(",,,"), V{});
  EXPECT_EQ(parse_address_list("Name <unterminated@x.test"), V{});
  EXPECT_EQ(parse_address_list("\"unterminated <a@x.test>"), V{});
  EXPECT_EQ(parse_address_list("just words here, b@x.test"), V{"b@x.test"});
  EXPECT_EQ(parse_address_list("(unterminated comment a@x.test"), V{});
}

TEST(Extract, ToCcBccAndBccRemoved) {
  auto x = extract_recipients("From: me@x\nTo: a@x.test\nCc: B <b@x.test>\nBcc: c@x.test,\n d@x.test\n"
                              "Subject: s\n\nTo: body@x.test\n");
  EXPECT_EQ(x.recipients, (std::vector<std::string>{"a@x.test", "b@x.test", "c@x.test", "d@x.test"}));
  EXPECT_EQ(x.content, "From: me@x\nTo: a@x.test\nCc: B <b@x.test>\nSubject: s\n\nTo: body@x.test\n");
}

TEST(Extract, ResentHeadersWin) {
  auto x = extract_recipients("To: old@x.test\nResent-To: new@x.test\nResent-Bcc: hid@x.test\n\nb\n");
  EXPECT_EQ(x.recipients, (std::vector<std::string>{"new@x.test", "hid@x.test"}));
  EXPECT_EQ(x.content, "To: old@x.test\nResent-To: new@x.test\n\nb\n");
}

TEST(Extract, NoHeadersNoRecipients) {
  EXPECT_TRUE(extract_recipients("just a body\n").recipients.empty());
  EXPECT_TRUE(extract_recipients("").recipients.empty());
  EXPECT_TRUE(extract_recipients("To:\n\n").recipients.empty());
}

TEST(From, AddedOnlyWhenMissing) {
  EXPECT_EQ(add_from_if_missing("Subject: s\n\nb\n", "u@x.test", ""), "From: u@x.test\nSubject: s\n\nb\n");
  EXPECT_EQ(add_from_if_missing("Subject: s\n\nb\n", "u@x.test", "Ann Lee"),
            "From: Ann Lee <u@x.test>\nSubject: s\n\nb\n");
  EXPECT_EQ(add_from_if_missing("\nb\n", "u@x.test", "J. \"Q\" Doe"),
            "From: \"J. \\\"Q\\\" Doe\" <u@x.test>\n\nb\n");
  EXPECT_EQ(add_from_if_missing("from: x@y\n\nb\n", "u@x.test", "N"), "from: x@y\n\nb\n");
  EXPECT_EQ(add_from_if_missing("body only\n", "u@x.test", ""), "From: u@x.test\n\nbody only\n");
  EXPECT_EQ(add_from_if_missing("", "u@x.test", "Evil\nBcc: x"), "From: \"EvilBcc: x\" <u@x.test>\n\n");
}

TEST(Verp, Delimiters) {
  EXPECT_EQ(*verp_delimiters("", "+=", "-=+"), "+=");
  EXPECT_EQ(*verp_delimiters("-=", "+=", "-=+"), "-=");
  EXPECT_FALSE(verp_delimiters("+", "+=", "-=+"));
  EXPECT_FALSE(verp_delimiters("+=x", "+=", "-=+"));
  EXPECT_FALSE(verp_delimiters("*=", "+=", "-=+"));
}

TEST(Qualify, AppendsOrigin) {
  EXPECT_EQ(qualify("alice", "example.test"), "alice@example.test");
  EXPECT_EQ(qualify("a@b", "example.test"), "a@b");
  EXPECT_EQ(qualify("", "example.test"), "");
  EXPECT_EQ(qualify("alice", ""), "alice");
}

}  // namespace
}  // namespace tern::cli
