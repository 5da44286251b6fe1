// main.cf parsing and in-place editing (postconf -e / -X).
#include "config/main_cf.hpp"

#include <gtest/gtest.h>

namespace tern::config {
namespace {

RawParams parse_ok(std::string_view text) {
  auto r = parse_main_cf(text, "main.cf");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : RawParams{};
}

std::string parse_error(std::string_view text) {
  auto r = parse_main_cf(text, "/etc/tern/main.cf");
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(ParseMainCf, ReadsNameValuePairsWithFileAndLine) {
  auto p = parse_ok("# header comment\nmyhostname = mx.example.test\n\nmydomain=example.test\n");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.at("myhostname").value, "mx.example.test");
  EXPECT_EQ(p.at("myhostname").file, "main.cf");
  EXPECT_EQ(p.at("myhostname").line, 2);
  EXPECT_EQ(p.at("mydomain").value, "example.test");
  EXPECT_EQ(p.at("mydomain").line, 4);
}

TEST(ParseMainCf, TrimsSpaceAroundNameAndValue) {
  auto p = parse_ok("relayhost   =   [mail.example.test]:587   \t\n");
  EXPECT_EQ(p.at("relayhost").value, "[mail.example.test]:587");
}

TEST(ParseMainCf, KeepsEqualsSignsInsideTheValue) {
  auto p = parse_ok("alias_maps = inline:{ a=b, c=d }\n");
  EXPECT_EQ(p.at("alias_maps").value, "inline:{ a=b, c=d }");
}

TEST(ParseMainCf, EmptyValueIsAllowed) {
  auto p = parse_ok("mynetworks =\n");
  ASSERT_EQ(p.count("mynetworks"), 1u);
  EXPECT_EQ(p.at("mynetworks").value, "");
}

TEST(ParseMainCf, JoinsContinuationLinesWithOneSpace) {
  auto p = parse_ok("smtpd_relay_restrictions = permit_mynetworks,\n    permit_sasl_authenticated,\n"
                    "\treject_unauth_destination\nnext = 1\n");
  EXPECT_EQ(p.at("smtpd_relay_restrictions").value,
            "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination");
  EXPECT_EQ(p.at("smtpd_relay_restrictions").line, 1);
  EXPECT_EQ(p.at("next").line, 4);
}

TEST(ParseMainCf, CommentsAndBlankLinesInsideAContinuedValueAreSkipped) {
  auto p = parse_ok("mydestination = a,\n# not part of the value\n\n  b\n");
  EXPECT_EQ(p.at("mydestination").value, "a, b");
}

TEST(ParseMainCf, HashInsideAValueIsNotAComment) {
  auto p = parse_ok("smtpd_banner = $myhostname #1\n");
  EXPECT_EQ(p.at("smtpd_banner").value, "$myhostname #1");
}

TEST(ParseMainCf, AcceptsCrLfLineEndings) {
  auto p = parse_ok("a = 1\r\nb = two\r\n  three\r\n");
  EXPECT_EQ(p.at("a").value, "1");
  EXPECT_EQ(p.at("b").value, "two three");
}

TEST(ParseMainCf, LastDefinitionWins) {
  auto p = parse_ok("myorigin = first\nother = x\nmyorigin = second\n");
  EXPECT_EQ(p.at("myorigin").value, "second");
  EXPECT_EQ(p.at("myorigin").line, 3);
}

TEST(ParseMainCf, NoTrailingNewlineIsFine) {
  auto p = parse_ok("a = 1");
  EXPECT_EQ(p.at("a").value, "1");
}

TEST(ParseMainCf, EmptyTextGivesNoParameters) { EXPECT_TRUE(parse_ok("").empty()); }

TEST(ParseMainCf, MissingEqualsNamesFileLineAndText) {
  EXPECT_EQ(parse_error("a = 1\nmyhostname mx.example.test\n"),
            "/etc/tern/main.cf:2: syntax error: missing '=' after parameter name: "
            "\"myhostname mx.example.test\"");
}

TEST(ParseMainCf, BadParameterNameIsAnError) {
  EXPECT_EQ(parse_error("\n\nmy host = x\n"),
            "/etc/tern/main.cf:3: syntax error: bad parameter name: \"my host\"");
  EXPECT_EQ(parse_error("= value\n"), "/etc/tern/main.cf:1: syntax error: bad parameter name: \"\"");
  EXPECT_EQ(parse_error("na$me = 1\n"), "/etc/tern/main.cf:1: syntax error: bad parameter name: \"na$me\"");
}

TEST(ParseMainCf, ContinuationWithoutAParameterIsAnError) {
  EXPECT_EQ(parse_error("# comment\n  orphan = 1\n"),
            "/etc/tern/main.cf:2: syntax error: continuation line without a parameter before it");
}

TEST(ParseMainCf, ErrorReportsTheFirstLineOfAContinuedLogicalLine) {
  EXPECT_EQ(parse_error("ok = 1\nbroken\n  still broken\n"),
            "/etc/tern/main.cf:2: syntax error: missing '=' after parameter name: "
            "\"broken still broken\"");
}

TEST(ParseMainCf, ControlCharactersInErrorsArePrintable) {
  EXPECT_EQ(parse_error("bad\x01name\n"),
            "/etc/tern/main.cf:1: syntax error: missing '=' after parameter name: \"bad?name\"");
}

// ---- edit_main_cf ----

std::string edit(std::string_view text, std::vector<Edit> edits) {
  auto r = edit_main_cf(text, edits, "main.cf");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : "";
}

TEST(EditMainCf, ReplacesInPlaceKeepingCommentsAndOtherLines) {
  std::string text = "# Tern config\nmyhostname = old.example\n# keep me\nmydomain = example\n";
  EXPECT_EQ(edit(text, {{"myhostname", "new.example"}}),
            "# Tern config\nmyhostname = new.example\n# keep me\nmydomain = example\n");
}

TEST(EditMainCf, ReplacesAContinuedValueAndItsContinuationLines) {
  std::string text = "a = 1\nlist = x,\n    y,\n    z\n# after\nb = 2\n";
  EXPECT_EQ(edit(text, {{"list", "only"}}), "a = 1\nlist = only\n# after\nb = 2\n");
}

TEST(EditMainCf, KeepsContinuationLinesOfOtherParameters) {
  std::string text = "list = x,\n    y\nb = 2\n";
  EXPECT_EQ(edit(text, {{"b", "3"}}), "list = x,\n    y\nb = 3\n");
}

TEST(EditMainCf, AppendsNewNamesAtTheEnd) {
  EXPECT_EQ(edit("a = 1\n", {{"new_one", "v"}, {"new_two", "w"}}),
            "a = 1\nnew_one = v\nnew_two = w\n");
}

TEST(EditMainCf, AppendsAfterTextWithoutTrailingNewline) {
  EXPECT_EQ(edit("a = 1", {{"b", "2"}}), "a = 1\nb = 2\n");
}

TEST(EditMainCf, RemovesANameAndItsContinuationLines) {
  std::string text = "# c\na = 1\n  more\nb = 2\n";
  EXPECT_EQ(edit(text, {{"a", std::nullopt}}), "# c\nb = 2\n");
}

TEST(EditMainCf, RemovingAnAbsentNameChangesNothing) {
  EXPECT_EQ(edit("a = 1\n", {{"zzz", std::nullopt}}), "a = 1\n");
}

TEST(EditMainCf, DuplicateDefinitionsCollapseIntoOne) {
  std::string out = edit("a = 1\nb = 2\na = 3\n", {{"a", "9"}});
  auto p = parse_main_cf(out, "main.cf");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->at("a").value, "9");
  EXPECT_EQ(p->at("b").value, "2");
  EXPECT_EQ(out.find("a = 1"), std::string::npos);
  EXPECT_EQ(out.find("a = 3"), std::string::npos);
}

TEST(EditMainCf, EditedTextParsesToTheEditedValues) {
  std::string text = "# top\nx = 1\ny = a,\n  b\n";
  std::string out = edit(text, {{"x", "2"}, {"y", std::nullopt}, {"z", "$x"}});
  auto p = parse_main_cf(out, "main.cf");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ(p->at("x").value, "2");
  EXPECT_EQ(p->at("z").value, "$x");
}

TEST(EditMainCf, RefusesToEditASyntacticallyBrokenFile) {
  auto r = edit_main_cf("a = 1\nbroken line\n", {{"a", "2"}}, "main.cf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "main.cf:2: syntax error: missing '=' after parameter name: \"broken line\"");
}

}  // namespace
}  // namespace tern::config
