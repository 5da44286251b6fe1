// access(5) answers as parse_access_answer() reads them: every action, reply codes with
// and without enhanced status codes, and the malformed ones.
#include "policy/access.hpp"

#include <gtest/gtest.h>

namespace tern::policy {
namespace {

AccessAnswer ok(std::string_view v) {
  auto a = parse_access_answer(v);
  EXPECT_TRUE(a.ok()) << v << ": " << (a.ok() ? "" : a.error().message);
  return a.ok() ? *a : AccessAnswer{};
}

std::string bad(std::string_view v) {
  auto a = parse_access_answer(v);
  EXPECT_FALSE(a.ok()) << v;
  return a.ok() ? "" : a.error().message;
}

TEST(AccessAnswer, PermitAndDunno) {
  EXPECT_EQ(ok("OK").kind, AccessKind::permit);
  EXPECT_EQ(ok("permit").kind, AccessKind::permit);
  EXPECT_EQ(ok("  ok  ").kind, AccessKind::permit);
  EXPECT_EQ(ok("12345").kind, AccessKind::permit);  // all-numerical
  EXPECT_EQ(ok("250").kind, AccessKind::permit);
  EXPECT_EQ(ok("DUNNO").kind, AccessKind::dunno);
}

TEST(AccessAnswer, RejectAndDeferWithOptionalText) {
  AccessAnswer r = ok("REJECT");
  EXPECT_EQ(r.kind, AccessKind::reject);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.text, "");
  r = ok("reject go away");
  EXPECT_EQ(r.text, "go away");
  r = ok("REJECT 5.7.2 no list mail");
  EXPECT_EQ(r.status, "5.7.2");
  EXPECT_EQ(r.text, "no list mail");
  AccessAnswer d = ok("DEFER 4.7.1 later");
  EXPECT_EQ(d.kind, AccessKind::defer);
  EXPECT_EQ(d.status, "4.7.1");
}

TEST(AccessAnswer, NumericCodes) {
  AccessAnswer a = ok("550 5.7.2 text here");
  EXPECT_EQ(a.kind, AccessKind::reject);
  EXPECT_EQ(a.code, 550);
  EXPECT_EQ(a.status, "5.7.2");
  EXPECT_EQ(a.text, "text here");
  a = ok("451 try later");
  EXPECT_EQ(a.kind, AccessKind::defer);
  EXPECT_EQ(a.code, 451);
  EXPECT_EQ(a.status, "");
  EXPECT_EQ(a.text, "try later");
  a = ok("554");
  EXPECT_EQ(a.code, 554);
  EXPECT_EQ(a.text, "");
  // "5.7" is text, not a status code.
  EXPECT_EQ(ok("550 5.7 oops").text, "5.7 oops");
}

TEST(AccessAnswer, MessageActions) {
  EXPECT_EQ(ok("HOLD").kind, AccessKind::hold);
  EXPECT_EQ(ok("DISCARD spam").text, "spam");
  AccessAnswer p = ok("PREPEND X-Tag: yes, really");
  EXPECT_EQ(p.kind, AccessKind::prepend);
  EXPECT_EQ(p.text, "X-Tag: yes, really");
  EXPECT_EQ(ok("BCC archive@example.test").text, "archive@example.test");
  EXPECT_EQ(ok("REDIRECT abuse@example.test").kind, AccessKind::redirect);
  EXPECT_EQ(ok("FILTER smtp:[127.0.0.1]:10025").text, "smtp:[127.0.0.1]:10025");
  EXPECT_EQ(ok("FILTER discard:filtered by policy").text, "discard:filtered by policy");
  EXPECT_EQ(ok("WARN odd client").kind, AccessKind::warn);
  EXPECT_EQ(ok("INFO seen").kind, AccessKind::info);
  EXPECT_EQ(ok("DEFER_IF_PERMIT 4.7.1 not now").status, "4.7.1");
  EXPECT_EQ(ok("defer_if_reject").kind, AccessKind::defer_if_reject);
}

TEST(AccessAnswer, RestrictionWordsAndClasses) {
  AccessAnswer a = ok("permit_mynetworks reject_unauth_destination");
  EXPECT_EQ(a.kind, AccessKind::restrictions);
  EXPECT_EQ(a.text, "permit_mynetworks reject_unauth_destination");
  EXPECT_EQ(ok("my_class").kind, AccessKind::restrictions);
}

TEST(AccessAnswer, Malformed) {
  EXPECT_EQ(bad(""), "empty access table answer");
  bad("   ");
  EXPECT_EQ(bad("BCC"), "\"BCC\": bcc needs one user@domain address");
  bad("REDIRECT postmaster");
  bad("BCC a@b c@d");
  bad("REDIRECT <a@b>");
  EXPECT_EQ(bad("FILTER smtp"), "\"FILTER smtp\": filter needs transport:destination");
  bad("FILTER :x");
  EXPECT_EQ(bad("PREPEND no header"), "\"PREPEND no header\": prepend needs a header (name: value)");
  bad("PREPEND : empty name");
  bad("PREPEND");
  EXPECT_EQ(bad("450 5.7.1 mixed"), "\"450 5.7.1 mixed\": enhanced status 5.7.1 contradicts reply code 450");
  EXPECT_EQ(bad("REJECT 4.7.1 soft"), "\"REJECT 4.7.1 soft\": enhanced status 4.7.1 is not 5.X.X");
  bad("DEFER 5.7.1 hard");
  bad("250 text");  // a code that is not 4NN/5NN with text
}

}  // namespace
}  // namespace tern::policy
