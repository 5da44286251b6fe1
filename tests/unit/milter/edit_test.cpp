// Milter modifications on a message: header fields by position and occurrence, the body,
// recipients, the sender, quarantine.
#include <gtest/gtest.h>

#include "milter/edit.hpp"

namespace tern::milter {
namespace {

Reply mod(ReplyCode c, std::string name = {}, std::string value = {}, uint32_t index = 0) {
  Reply r;
  r.code = c;
  r.name = std::move(name);
  r.value = std::move(value);
  r.index = index;
  return r;
}

Reply text(ReplyCode c, std::string t) {
  Reply r;
  r.code = c;
  r.text = std::move(t);
  return r;
}

Message sample() {
  Message m;
  m.envelope.sender = "s@example.org";
  m.envelope.recipients = {Recipient{"a@example.test"}, Recipient{"b@example.test"}};
  m.content = "Received: from x\n\tby y\nSubject: one\nX-Tag: 1\nX-Tag: 2\n\nbody\n";
  return m;
}

TEST(MilterEdit, SplitsAndJoins) {
  auto p = MessageParts::split("A: 1\n\tcont\nB: 2\n\nbody\n\nmore\n");
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[0], "A: 1\n\tcont\n");
  EXPECT_EQ(p.body, "body\n\nmore\n");
  EXPECT_EQ(p.join(), "A: 1\n\tcont\nB: 2\n\nbody\n\nmore\n");
  auto none = MessageParts::split("A: 1\nno colon here\n");  // the body starts without an empty line
  EXPECT_EQ(none.fields.size(), 1u);
  EXPECT_EQ(none.body, "no colon here\n");
  EXPECT_EQ(MessageParts::split("A: 1").fields[0], "A: 1\n");
}

TEST(MilterEdit, HeaderForMilter) {
  using Pair = std::pair<std::string, std::string>;
  EXPECT_EQ(header_for_milter("Subject: hi there\n", false), (Pair{"Subject", "hi there"}));
  EXPECT_EQ(header_for_milter("Subject: hi\n", true).second, " hi");
  EXPECT_EQ(header_for_milter("X: a\n\tb\n", false).second, "a\n\tb");
}

TEST(MilterEdit, Headers) {
  Message m = sample();
  auto out = apply_modifications({mod(ReplyCode::add_header, "X-New", "v"),
                                  mod(ReplyCode::insert_header, "X-Top", "t", 0),
                                  mod(ReplyCode::insert_header, "X-Far", "f", 99),
                                  mod(ReplyCode::change_header, "x-tag", "two", 2),
                                  mod(ReplyCode::change_header, "Subject", "", 1),
                                  mod(ReplyCode::change_header, "X-Absent", "", 1),
                                  mod(ReplyCode::change_header, "X-Absent2", "added", 3)},
                                 m, false);
  EXPECT_EQ(m.content,
            "X-Top: t\nReceived: from x\n\tby y\nX-Tag: 1\nX-Tag: two\nX-New: v\nX-Far: f\nX-Absent2: added\n\nbody\n");
  EXPECT_FALSE(out.hold);
}

TEST(MilterEdit, LeadingSpaceAndFoldedValues) {
  Message m = sample();
  (void)apply_modifications({mod(ReplyCode::add_header, "X-A", " spaced\r\n\tfolded")}, m, true);
  EXPECT_NE(m.content.find("X-A: spaced\n\tfolded\n\nbody"), std::string::npos) << m.content;
}

TEST(MilterEdit, BodyRecipientsSenderQuarantine) {
  Message m = sample();
  auto out = apply_modifications({text(ReplyCode::replace_body, "new\r\n"), text(ReplyCode::replace_body, "body\r\n"),
                                  text(ReplyCode::add_rcpt, "<c@example.test>"),
                                  text(ReplyCode::del_rcpt, "<A@example.test>"),
                                  text(ReplyCode::change_from, "<>"),
                                  text(ReplyCode::quarantine, "suspicious")},
                                 m, false);
  EXPECT_EQ(MessageParts::split(m.content).body, "new\nbody\n");
  ASSERT_EQ(m.envelope.recipients.size(), 2u);
  EXPECT_EQ(m.envelope.recipients[0].address, "b@example.test");
  EXPECT_EQ(m.envelope.recipients[1].address, "c@example.test");
  EXPECT_EQ(m.envelope.sender, "");
  EXPECT_TRUE(out.hold);
  EXPECT_EQ(out.hold_reason, "suspicious");
}

TEST(MilterEdit, BodyOfAMessageWithoutOne) {
  Message m;
  m.content = "Subject: x\n";
  (void)apply_modifications({text(ReplyCode::replace_body, "added\r\n")}, m, false);
  EXPECT_EQ(m.content, "Subject: x\n\nadded\n");
}

}  // namespace
}  // namespace tern::milter
