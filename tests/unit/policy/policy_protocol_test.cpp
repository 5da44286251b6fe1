// The policy delegation wire format: request encoding and the incremental reply parser,
// including malformed replies and replies split at every byte.
#include <gtest/gtest.h>

#include "policy/policy_protocol.hpp"

namespace tern::policy {
namespace {

using Status = PolicyReplyParser::Status;

PolicyRequest request(std::vector<std::pair<std::string, std::string>> attrs) {
  PolicyRequest r;
  r.attributes = std::move(attrs);
  return r;
}

TEST(PolicyProtocol, EncodesNameValueLinesAndAnEmptyLine) {
  auto wire = encode_policy_request(request({{"request", "smtpd_access_policy"}, {"sender", "a@example.org"}}), "");
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire, "request=smtpd_access_policy\nsender=a@example.org\n\n");
}

TEST(PolicyProtocol, ValuesNeverBreakTheFraming) {
  auto wire = encode_policy_request(request({{"helo_name", "x\r\n\nrecipient=evil"}, {"sender", std::string("a\0b", 3)}}), "");
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire, "helo_name=x???recipient=evil\nsender=a?b\n\n");
}

TEST(PolicyProtocol, PolicyContextIsTheServicesOwn) {
  auto wire = encode_policy_request(request({{"request", "smtpd_access_policy"}, {"policy_context", "from-session"}}), "mx");
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire, "request=smtpd_access_policy\npolicy_context=mx\n\n");
  wire = encode_policy_request(request({{"request", "smtpd_access_policy"}}), "sub");
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire, "request=smtpd_access_policy\npolicy_context=sub\n\n");
}

TEST(PolicyProtocol, BadAttributeNamesAreErrors) {
  for (std::string name : {std::string(), std::string("a=b"), std::string("a\nb"), std::string("a\0", 2)})
    EXPECT_FALSE(encode_policy_request(request({{name, "v"}}), "").ok()) << name;
}

TEST(PolicyProtocol, FirstActionWinsOtherAttributesIgnored) {
  PolicyReplyParser p;
  std::string reply = "foo=bar\naction=DEFER_IF_PERMIT Greylisted, see http://x/\naction=OK\nx-extra=1\n\n";
  auto step = p.feed(reply);
  EXPECT_EQ(step.status, Status::done);
  EXPECT_EQ(step.consumed, reply.size());
  EXPECT_EQ(p.action(), "DEFER_IF_PERMIT Greylisted, see http://x/");
}

TEST(PolicyProtocol, ByteAtATime) {
  std::string reply = "action=PREPEND X-Greylist: delayed 2 seconds by postgrey-1.37\n\n";
  PolicyReplyParser p;
  for (size_t i = 0; i < reply.size(); ++i) {
    auto step = p.feed(reply.substr(i, 1));
    ASSERT_EQ(step.consumed, 1u);
    ASSERT_EQ(step.status, i + 1 == reply.size() ? Status::done : Status::need_more) << i;
  }
  EXPECT_EQ(p.action(), "PREPEND X-Greylist: delayed 2 seconds by postgrey-1.37");
}

TEST(PolicyProtocol, StopsAtTheEndOfTheReply) {
  PolicyReplyParser p;
  auto step = p.feed("action=DUNNO\n\naction=OK\n\n");
  EXPECT_EQ(step.status, Status::done);
  EXPECT_EQ(step.consumed, 14u);
  EXPECT_EQ(p.feed("more").consumed, 0u);  // done until reset()
  p.reset();
  EXPECT_EQ(p.feed("action=OK\n\n").status, Status::done);
  EXPECT_EQ(p.action(), "OK");
}

TEST(PolicyProtocol, CrlfIsTolerated) {
  PolicyReplyParser p;
  EXPECT_EQ(p.feed("action=REJECT no\r\n\r\n").status, Status::done);
  EXPECT_EQ(p.action(), "REJECT no");
}

TEST(PolicyProtocol, MalformedReplies) {
  struct Case {
    std::string reply;
    std::string why;
  } cases[] = {
      {"\n", "without action"},
      {"foo=bar\n\n", "without action"},
      {"action=\n\n", "empty action"},
      {"action=   \n\n", "empty action"},
      {"action=OK\nnot a pair\n\n", "not name=value"},
      {"=OK\n\n", "not name=value"},
      {std::string("action=O\0K\n\n", 12), "control character"},
      {"action=OK\x1b[1m\n\n", "control character"},
      {"action=OK \xff\xfe\n\n", "invalid UTF-8"},
      {"action=OK \xc0\xaf\n\n", "invalid UTF-8"},       // overlong
      {"action=OK \xed\xa0\x80\n\n", "invalid UTF-8"},   // surrogate
      {"action=OK \xe2\x82\n\n", "invalid UTF-8"},       // truncated
  };
  for (const auto& c : cases) {
    PolicyReplyParser p;
    auto step = p.feed(c.reply);
    EXPECT_EQ(step.status, Status::error) << c.reply;
    EXPECT_NE(p.error().find(c.why), std::string::npos) << c.reply << " -> " << p.error();
  }
}

TEST(PolicyProtocol, Utf8IsAccepted) {
  PolicyReplyParser p;
  EXPECT_EQ(p.feed("action=REJECT d\xc3\xa9j\xc3\xa0 vu \xf0\x9f\x93\xa7\n\n").status, Status::done);
}

TEST(PolicyProtocol, OverlongLineAndReply) {
  PolicyReplyParser p;
  p.line_limit = 100;
  EXPECT_EQ(p.feed("action=" + std::string(93, 'x') + "\n\n").status, Status::done);
  p.reset();
  auto step = p.feed("action=" + std::string(94, 'x'));
  EXPECT_EQ(step.status, Status::error);
  EXPECT_NE(p.error().find("line longer"), std::string::npos);

  PolicyReplyParser q;
  q.reply_limit = 50;
  std::string many;
  for (int i = 0; i < 10; ++i) many += "x=123456\n";
  EXPECT_EQ(q.feed(many).status, Status::error);
  EXPECT_NE(q.error().find("reply longer"), std::string::npos);
}

TEST(PolicyProtocol, IncompleteReplyNeedsMore) {
  PolicyReplyParser p;
  EXPECT_EQ(p.feed("action=DUNNO\n").status, Status::need_more);
  EXPECT_EQ(p.feed("").status, Status::need_more);
  EXPECT_EQ(p.feed("\n").status, Status::done);
}

}  // namespace
}  // namespace tern::policy
