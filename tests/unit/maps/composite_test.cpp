// unionmap: and pipemap: over inline:, pattern and failing tables: joining, chaining,
// nested braces, error propagation, and syntax errors.
#include <gtest/gtest.h>

#include "map_test_util.hpp"

namespace tern::maps {
namespace {

using test::expect_error;
using test::expect_table;
using test::lookup;

std::unique_ptr<Lookup> open(std::string_view spec) { return expect_table(open_map(spec, {})); }

TEST(UnionMap, JoinsEveryResultWithCommasInTableOrder) {
  auto t = open("unionmap:{inline:{a=res-a, c=res-ca, d=res-d}, inline:{b=res-b, c=res-cb, d=res-d}}");
  EXPECT_EQ(lookup(t.get(), "a"), "res-a");
  EXPECT_EQ(lookup(t.get(), "b"), "res-b");
  EXPECT_EQ(lookup(t.get(), "c"), "res-ca,res-cb");
  EXPECT_EQ(lookup(t.get(), "d"), "res-d,res-d");
  EXPECT_EQ(lookup(t.get(), "e"), std::nullopt);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->fixed_keys());
}

TEST(UnionMap, NestedBracesAndPatternMembers) {
  auto t = open(
      "unionmap:{ inline:{ {k = v with, comma} }, regexp:{ {/^(k)$/ re-$1} }, "
      "pipemap:{inline:{k=x}, inline:{x=piped}} }");
  EXPECT_EQ(lookup(t.get(), "k"), "v with, comma,re-k,piped");
  auto patterns = open("unionmap:{regexp:{{/./ a}}, cidr:{{10.0.0.0/8 b}}}");
  ASSERT_TRUE(patterns);
  EXPECT_FALSE(patterns->fixed_keys());
  EXPECT_EQ(lookup(patterns.get(), "10.1.1.1"), "a,b");
}

TEST(UnionMap, AnInnerErrorIsTheUnionsError) {
  auto t = open("unionmap:{inline:{a=1}, fail:down}");
  ASSERT_TRUE(t);
  auto r = t->find("a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "table fail:down lookup error");
}

TEST(PipeMap, FeedsEachResultToTheNextTable) {
  auto t = open("pipemap:{inline:{alice=a1, bob=b1}, inline:{a1=mailbox-a, b1=}, regexp:{{/^mailbox-(.*)$/ box $1}}}");
  EXPECT_EQ(lookup(t.get(), "alice"), "box a");
  EXPECT_EQ(lookup(t.get(), "carol"), std::nullopt);  // first table finds nothing
  EXPECT_EQ(lookup(t.get(), "bob"), std::nullopt);    // "" is found, the regexp does not match it
  auto two = open("pipemap:{inline:{alice=a1}, inline:{zz=no}}");
  EXPECT_EQ(lookup(two.get(), "alice"), std::nullopt);  // the second table finds nothing
}

TEST(PipeMap, AnInnerErrorStopsThePipeline) {
  auto t = open("pipemap:{inline:{a=b}, fail:x, inline:{c=d}}");
  ASSERT_TRUE(t);
  auto r = t->find("a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "table fail:x lookup error");
  EXPECT_EQ(lookup(t.get(), "zz"), std::nullopt);  // no result before the failing table
}

TEST(CompositeMaps, SyntaxErrors) {
  EXPECT_EQ(expect_error(open_map("pipemap:inline:{a=b}", {})),
            "table \"pipemap:inline:{a=b}\": bad syntax, need \"pipemap:{type:name, ...}\"");
  EXPECT_EQ(expect_error(open_map("unionmap:{inline:{a=b}, static:x", {})),
            "table \"unionmap:{inline:{a=b}, static:x\": bad syntax, need \"unionmap:{type:name, ...}\"");
  EXPECT_EQ(expect_error(open_map("unionmap:{ }", {})),
            "table \"unionmap:{ }\": needs at least one \"type:name\" table");
  EXPECT_EQ(expect_error(open_map("unionmap:{inline:{a=b}, bogus}", {})),
            "table \"unionmap:{inline:{a=b}, bogus}\": table \"bogus\": expected type:name");
  EXPECT_EQ(expect_error(open_map("pipemap:{regexp:{{/(/ x}}}", {})),
            "table \"pipemap:{regexp:{{/(/ x}}}\": regexp:{{/(/ x}}:1: bad regular expression \"(\": "
            "Unmatched ( or \\(");
}

}  // namespace
}  // namespace tern::maps
