// $name expansion: every Postfix form, undefined names, loops and unbalanced braces.
#include "config/expand.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace tern::config {
namespace {

class Expand : public ::testing::Test {
 protected:
  std::map<std::string, std::string, std::less<>> vars{
      {"host", "mx.example.test"}, {"empty", ""},        {"name", "Tern"},
      {"both", "$host/$name"},     {"loop_a", "$loop_b"}, {"loop_b", "x${loop_a}"},
      {"self", "$self"},           {"dollar", "$$"},
  };
  RawLookup lookup() {
    return [this](std::string_view n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
  std::string ok(std::string_view text) {
    auto r = expand(text, lookup());
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : "<error>";
  }
  std::string err(std::string_view text) {
    auto r = expand(text, lookup());
    EXPECT_FALSE(r.ok()) << text << " expanded to " << (r.ok() ? *r : "");
    return r.ok() ? "" : r.error().message;
  }
};

TEST_F(Expand, PlainTextIsUnchanged) { EXPECT_EQ(ok("no macros here"), "no macros here"); }

TEST_F(Expand, DollarName) { EXPECT_EQ(ok("$host ESMTP"), "mx.example.test ESMTP"); }

TEST_F(Expand, NameEndsAtTheFirstNonNameCharacter) {
  EXPECT_EQ(ok("localhost.$host.x"), "localhost.mx.example.test.x");
  EXPECT_EQ(ok("$name-$name"), "Tern-Tern");
}

TEST_F(Expand, BracedAndParenthesizedNames) {
  EXPECT_EQ(ok("${host}"), "mx.example.test");
  EXPECT_EQ(ok("$(host)"), "mx.example.test");
  EXPECT_EQ(ok("a${name}b"), "aTernb");
}

TEST_F(Expand, DoubleDollarIsALiteralDollar) {
  EXPECT_EQ(ok("$$host"), "$host");
  EXPECT_EQ(ok("cost: 5$$"), "cost: 5$");
  EXPECT_EQ(ok("$dollar"), "$");
}

TEST_F(Expand, LoneDollarIsKept) {
  EXPECT_EQ(ok("ends with $"), "ends with $");
  EXPECT_EQ(ok("$-x"), "$-x");
}

TEST_F(Expand, UndefinedNameExpandsToNothing) {
  EXPECT_EQ(ok("[$nosuch]"), "[]");
  EXPECT_EQ(ok("[${nosuch}]"), "[]");
}

TEST_F(Expand, ValuesAreExpandedRecursively) { EXPECT_EQ(ok("<$both>"), "<mx.example.test/Tern>"); }

TEST_F(Expand, QuestionFormGivesValueWhenNameIsNonEmpty) {
  EXPECT_EQ(ok("${host?yes}"), "yes");
  EXPECT_EQ(ok("${empty?yes}"), "");
  EXPECT_EQ(ok("${nosuch?yes}"), "");
}

TEST_F(Expand, ColonFormGivesValueWhenNameIsEmptyOrUndefined) {
  EXPECT_EQ(ok("${host:no}"), "");
  EXPECT_EQ(ok("${empty:no}"), "no");
  EXPECT_EQ(ok("${nosuch:no}"), "no");
}

TEST_F(Expand, BracedValueForms) {
  EXPECT_EQ(ok("${host?{set, really}}"), "set, really");
  EXPECT_EQ(ok("${empty:{unset value}}"), "unset value");
  EXPECT_EQ(ok("${host:{unset value}}"), "");
}

TEST_F(Expand, ThenElseForm) {
  EXPECT_EQ(ok("${host?{then}:{else}}"), "then");
  EXPECT_EQ(ok("${empty?{then}:{else}}"), "else");
  EXPECT_EQ(ok("${nosuch?{then}:{else}}"), "else");
}

TEST_F(Expand, ConditionalValuesAreThemselvesExpanded) {
  EXPECT_EQ(ok("${host?$name}"), "Tern");
  EXPECT_EQ(ok("${empty:{${host}}}"), "mx.example.test");
  EXPECT_EQ(ok("${host?{[$name]}:{none}}"), "[Tern]");
}

TEST_F(Expand, ReferenceLoopIsAnError) {
  EXPECT_NE(err("$loop_a").find("recursion loop"), std::string::npos);
  EXPECT_NE(err("${self}").find("recursion loop"), std::string::npos);
}

TEST_F(Expand, UnbalancedBraceIsAnError) {
  EXPECT_EQ(err("${host"), "missing '}' in \"${host\"");
  EXPECT_EQ(err("x $(host"), "missing ')' in \"x $(host\"");
  EXPECT_EQ(err("${host?{a}"), "missing '}' in \"${host?{a}\"");
}

TEST_F(Expand, BadMacroSyntaxIsAnError) {
  EXPECT_EQ(err("${}"), "bad macro syntax: \"${}\"");
  EXPECT_EQ(err("${host!x}"), "bad macro syntax: \"${host!x}\"");
}

TEST_F(Expand, ErrorsInsideNestedValuesPropagate) {
  vars["broken"] = "${oops";
  EXPECT_EQ(err("a $broken b"), "missing '}' in \"${oops\"");
}

TEST(ReferencedNames, ListsEveryNameForm) {
  std::vector<std::string> seen;
  referenced_names("$a ${b} $(c) $$d ${e?x} plain $f_g1",
                   [&](std::string_view n) { seen.emplace_back(n); });
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "e", "f_g1"}));
}

TEST(ReferencedNames, NoneInPlainText) {
  int calls = 0;
  referenced_names("no refs $ here $$", [&](std::string_view) { ++calls; });
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace tern::config
