// pipe(8) argv expansion (per-recipient arguments, q/u/h flags, ${user} suppression) and
// the message copy a command or mailbox receives (mail_copy).
#include "delivery/pipe_expand.hpp"

#include <gtest/gtest.h>

#include "delivery/mail_copy.hpp"

namespace tern::delivery::pipe {
namespace {

using Strings = std::vector<std::string>;

PipeSpec spec(const Strings& args) {
  auto r = parse_pipe_args(args);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : PipeSpec{};
}

Message message() {
  Message m;
  m.envelope.queue_id = "4Yg3Nf0x5WzK";
  m.envelope.sender = "Sender@Example.ORG";
  m.envelope.client.addr = "192.0.2.7";
  m.envelope.client.name = "mail.example.org";
  m.envelope.client.helo = "helo.example.org";
  m.envelope.client.port = 4711;
  m.envelope.client.protocol = "ESMTPA";
  m.envelope.client.sasl_method = "PLAIN";
  m.envelope.client.sasl_username = "sam";
  m.content = "Subject: x\n\nbody\n";
  return m;
}

TEST(PipeExpand, RecipientArgumentsRepeatPerRecipient) {
  Message m = message();
  PipeSpec s = spec({"user=nobody", "argv=/bin/cmd", "-f", "${sender}", "--", "${recipient}", "x${extension}y"});
  ExpandInput in{m, "Sender@Example.ORG", {"a+one@Example.TEST", "b@example.test"}, "Example.TEST", "+"};
  EXPECT_EQ(expand_argv(s, in), (Strings{"/bin/cmd", "-f", "Sender@Example.ORG", "--", "a+one@Example.TEST",
                                         "b@example.test", "xoney", "xy"}));
}

TEST(PipeExpand, EveryMessageWideMacro) {
  Message m = message();
  PipeSpec s = spec({"user=nobody", "argv=/bin/cmd", "${nexthop}", "${size}", "${queue_id}", "${client_address}",
                     "${client_hostname}", "${client_helo}", "${client_port}", "${client_protocol}",
                     "${sasl_method}", "${sasl_username}", "${sasl_sender}"});
  ExpandInput in{m, "s@x", {"a@b"}, "hop.example", "+"};
  EXPECT_EQ(expand_argv(s, in), (Strings{"/bin/cmd", "hop.example", "17", "4Yg3Nf0x5WzK", "192.0.2.7",
                                         "mail.example.org", "helo.example.org", "4711", "ESMTPA", "PLAIN", "sam",
                                         ""}));
}

TEST(PipeExpand, UserMailboxDomainAndFolding) {
  Message m = message();
  PipeSpec s = spec({"flags=hu", "user=nobody", "argv=/bin/cmd", "${user}", "${mailbox}", "${domain}",
                     "${recipient}", "${original_recipient}", "${nexthop}"});
  ExpandInput in{m, "s@x", {"Joe+Box@Example.TEST"}, "Hop.Example", "+"};
  EXPECT_EQ(expand_argv(s, in), (Strings{"/bin/cmd", "joe", "joe+box", "example.test", "joe+box@example.test",
                                         "joe+box@example.test", "hop.example"}));
}

TEST(PipeExpand, EmptyUserLeavesTheArgumentOut) {
  Message m = message();
  PipeSpec s = spec({"user=nobody", "argv=/bin/deliver", "-m", "${extension}", "${user}"});
  ExpandInput in{m, "s@x", {"+shared@example.test", "joe@example.test"}, "", "+"};
  EXPECT_EQ(expand_argv(s, in), (Strings{"/bin/deliver", "-m", "shared", "", "joe"}));
}

TEST(PipeExpand, QuoteFlagQuotesWholeAddressesOnly) {
  Message m = message();
  PipeSpec s = spec({"flags=q", "user=nobody", "argv=/bin/cmd", "${sender}", "${recipient}", "${mailbox}"});
  ExpandInput in{m, "odd sender@example.org", {"a b@example.test"}, "", "+"};
  EXPECT_EQ(expand_argv(s, in), (Strings{"/bin/cmd", "\"odd sender\"@example.org", "\"a b\"@example.test", "a b"}));
  ExpandInput empty{m, "", {"x@y"}, "", "+"};
  EXPECT_EQ(expand_argv(s, empty)[1], "");  // the empty sender is never quoted
  EXPECT_EQ(quote_local_part("a\"b@x"), "\"a\\\"b\"@x");
  EXPECT_EQ(quote_local_part("plain.user@x"), "plain.user@x");
  EXPECT_EQ(quote_local_part(".dot@x"), "\".dot\"@x");
}

TEST(MailCopy, EnvelopeLinesAndQuoting) {
  CopyOptions o;
  o.from_line = "s@example.org";
  o.return_path = "s@example.org";
  o.original_to = "Rcpt@Example.test";
  o.delivered_to = "Rcpt@Example.test";
  o.quote_from = true;
  o.dot = true;
  o.blank = true;
  o.eol = "\r\n";
  o.now = 0;
  std::string got = mail_copy("Subject: x\n\nFrom here\n.dot\nend", o);
  EXPECT_EQ(got, "From s@example.org  " + from_line_time(0) + "\r\n" +
                     "Return-Path: <s@example.org>\r\nX-Original-To: Rcpt@Example.test\r\n"
                     "Delivered-To: rcpt@example.test\r\nSubject: x\r\n\r\n>From here\r\n..dot\r\nend\r\n\r\n");
  EXPECT_EQ(mail_copy("a\nFrom b\n", CopyOptions{}), "a\nFrom b\n");
}

TEST(MailCopy, FromLineTimeHasTheAsctimeLayout) {
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(from_line_time(0), "Thu Jan  1 00:00:00 1970");
  EXPECT_EQ(from_line_time(1700000000), "Tue Nov 14 22:13:20 2023");
}

TEST(MailCopy, DeliveredToLoopCheckReadsHeadersOnly) {
  std::string c = "Delivered-To: Joe@Example.test\nSubject: x\n\nDelivered-To: other@x\n";
  EXPECT_TRUE(has_delivered_to(c, "joe@example.test"));
  EXPECT_FALSE(has_delivered_to(c, "other@x"));
  EXPECT_FALSE(has_delivered_to(c, "joe@example"));
}

}  // namespace
}  // namespace tern::delivery::pipe
