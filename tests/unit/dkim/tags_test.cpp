// The DKIM tag-list parser: what RFC 6376 §3.2 allows (folding, empty values, a trailing
// ";") and every way a list is malformed.
#include "dkim/tags.hpp"

#include <gtest/gtest.h>

namespace tern::dkim {
namespace {

TEST(DkimTags, ParsesWithFoldingAndTrailingSemicolon) {
  auto t = TagList::parse(" v=1; a = rsa-sha256 ;\r\n\th=from :\n to; z=; b=ab cd\r\n ef;");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->tags().size(), 5u);
  EXPECT_EQ(*t->find("v"), "1");
  EXPECT_EQ(*t->find("a"), "rsa-sha256");
  EXPECT_EQ(*t->find("h"), "from :\n to");
  EXPECT_EQ(*t->find("z"), "");
  EXPECT_EQ(strip_fws(*t->find("b")), "abcdef");
  EXPECT_FALSE(t->find("x"));
  EXPECT_FALSE(t->find("V"));  // names are case-sensitive
}

TEST(DkimTags, EmptyListIsValid) {
  EXPECT_TRUE(TagList::parse("").ok());
  EXPECT_TRUE(TagList::parse("  ").ok());
  EXPECT_EQ(TagList::parse("")->tags().size(), 0u);
}

TEST(DkimTags, MalformedListsAreErrors) {
  for (const char* bad : {
           "v",                 // no "="
           "v 1",               // no "="
           "=1",                // no name
           "1v=1",              // name starts with a digit
           "v-x=1",             // "-" in a name
           "v=1; v=2",          // duplicate
           "v=1;; a=b",         // empty tag spec
           "v=1 ;x",            // name without "="
           "a=b\nc",            // a line break that is no fold
           "a=b\r\nc=d",        // idem, CRLF
           "a=\x01",            // control character
           "a=caf\xc3\xa9",     // non-ASCII
       }) {
    EXPECT_FALSE(TagList::parse(bad).ok()) << bad;
  }
}

TEST(DkimTags, ErrorsNameTheProblem) {
  auto t = TagList::parse("a=1; a=2");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("\"a\" given twice"), std::string::npos);
}

}  // namespace
}  // namespace tern::dkim
