// SMTP command lines and MAIL/RCPT path arguments.
#include "smtp/command.hpp"

#include <gtest/gtest.h>

namespace tern::smtp {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(ParseCommand, VerbsAreCaseInsensitive) {
  EXPECT_EQ(parse_command("EHLO x").verb, Verb::ehlo);
  EXPECT_EQ(parse_command("ehlo x").verb, Verb::ehlo);
  EXPECT_EQ(parse_command("MaIl FROM:<>").verb, Verb::mail);
  EXPECT_EQ(parse_command("StartTLS").verb, Verb::starttls);
  EXPECT_EQ(parse_command("rcpt TO:<a@b>").verb, Verb::rcpt);
  EXPECT_EQ(parse_command("DATA").verb, Verb::data);
  EXPECT_EQ(parse_command("bdat 10 LAST").verb, Verb::bdat);
}

TEST(ParseCommand, KeepsTheVerbAsSentAndTrimsTheArgument) {
  Command c = parse_command("Helo   client.example \t ");
  EXPECT_EQ(c.name, "Helo");
  EXPECT_EQ(c.arg, "client.example");
  Command t = parse_command("MAIL\tFROM:<a@b>  SIZE=5");
  EXPECT_EQ(t.name, "MAIL");
  EXPECT_EQ(t.arg, "FROM:<a@b>  SIZE=5");
}

TEST(ParseCommand, NoArgument) {
  Command c = parse_command("QUIT");
  EXPECT_EQ(c.verb, Verb::quit);
  EXPECT_EQ(c.name, "QUIT");
  EXPECT_EQ(c.arg, "");
  EXPECT_EQ(parse_command("NOOP   ").arg, "");
}

TEST(ParseCommand, UnknownVerbs) {
  EXPECT_EQ(parse_command("XYZZY plugh").verb, Verb::unknown);
  EXPECT_EQ(parse_command("XYZZY plugh").name, "XYZZY");
  EXPECT_EQ(parse_command("").verb, Verb::unknown);
  EXPECT_EQ(parse_command("MAILX FROM:<>").verb, Verb::unknown);
  EXPECT_EQ(parse_command("HEL").verb, Verb::unknown);
}

TEST(VerbName, LowerCaseNames) {
  EXPECT_EQ(verb_name(Verb::ehlo), "ehlo");
  EXPECT_EQ(verb_name(Verb::starttls), "starttls");
  EXPECT_EQ(verb_name(Verb::unknown), "unknown");
}

PathArg path_ok(std::string_view arg, std::string_view kw = "FROM") {
  auto r = parse_path(arg, kw);
  EXPECT_TRUE(r.ok()) << arg << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : PathArg{"<error>", {}};
}

std::string path_err(std::string_view arg, std::string_view kw = "FROM") {
  auto r = parse_path(arg, kw);
  EXPECT_FALSE(r.ok()) << arg << " parsed as " << (r.ok() ? r->address : "");
  return r.ok() ? "" : r.error().message;
}

TEST(ParsePath, AngleBrackets) {
  PathArg p = path_ok("FROM:<alice@example.org>");
  EXPECT_EQ(p.address, "alice@example.org");
  EXPECT_TRUE(p.params.empty());
}

TEST(ParsePath, KeywordIsCaseInsensitive) {
  EXPECT_EQ(path_ok("from:<a@b>").address, "a@b");
  EXPECT_EQ(path_ok("To:<c@d>", "TO").address, "c@d");
}

TEST(ParsePath, SpaceAfterColonIsTolerated) {
  EXPECT_EQ(path_ok("FROM: <a@b>").address, "a@b");
  EXPECT_EQ(path_ok("FROM:   <a@b>").address, "a@b");
}

TEST(ParsePath, SloppyFormWithoutAngleBrackets) {
  EXPECT_EQ(path_ok("FROM:a@b").address, "a@b");
  PathArg p = path_ok("FROM: a@b SIZE=10");
  EXPECT_EQ(p.address, "a@b");
  EXPECT_EQ(p.params, (Params{{"SIZE", "10"}}));
}

TEST(ParsePath, NullPath) {
  PathArg p = path_ok("FROM:<>");
  EXPECT_EQ(p.address, "");
  EXPECT_TRUE(p.params.empty());
  EXPECT_EQ(path_ok("FROM:<> BODY=8BITMIME").params, (Params{{"BODY", "8BITMIME"}}));
}

TEST(ParsePath, ParameterKeywordsAreUpperCasedValuesKept) {
  PathArg p = path_ok("FROM:<a@b> size=100  body=8bitmime smtputf8");
  EXPECT_EQ(p.params, (Params{{"SIZE", "100"}, {"BODY", "8bitmime"}, {"SMTPUTF8", ""}}));
}

TEST(ParsePath, SourceRouteIsStripped) {
  EXPECT_EQ(path_ok("TO:<@relay1.example,@relay2.example:bob@example.test>", "TO").address,
            "bob@example.test");
}

TEST(ParsePath, QuotedLocalPartMayContainClosingBracket) {
  EXPECT_EQ(path_ok("TO:<\"odd>name\"@example.test> NOTIFY=NEVER", "TO").address,
            "\"odd>name\"@example.test");
  EXPECT_EQ(path_ok("TO:<\"a\\\">b\"@x>", "TO").address, "\"a\\\">b\"@x");
}

TEST(ParsePath, Errors) {
  EXPECT_EQ(path_err("FROM<a@b>"), "expected FROM:<address>");
  EXPECT_EQ(path_err("FROM"), "expected FROM:<address>");
  EXPECT_EQ(path_err("TO:<a@b>"), "expected FROM:<address>");
  EXPECT_EQ(path_err("FROMX:<a@b>"), "expected FROM:<address>");
  EXPECT_EQ(path_err("FROM:"), "empty address");
  EXPECT_EQ(path_err("FROM:   "), "empty address");
  EXPECT_EQ(path_err("FROM:<a@b"), "missing '>' in address");
  EXPECT_EQ(path_err("FROM:<\"a>@b"), "missing '>' in address");
  EXPECT_EQ(path_err("FROM:<a b@c>"), "bad character in address");
  EXPECT_EQ(path_err("FROM:<a@b> =x"), "bad parameter syntax");
  EXPECT_EQ(path_err("FROM:<a@>"), "empty domain");
  EXPECT_EQ(path_err("FROM:<<a@b>>"), "bad character in address");
}

}  // namespace
}  // namespace tern::smtp
