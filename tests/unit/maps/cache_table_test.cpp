// Read-write cache tables: memory and LMDB behave alike, the LMDB file keeps its entries
// across a reopen, is readable as a btree: index (postmap -q), and bad specs are errors.
#include "maps/cache_table.hpp"

#include <gtest/gtest.h>

#include "maps/index.hpp"
#include "../temp_dir.hpp"

namespace tern::maps {
namespace {

void exercise(CacheTable& t) {
  auto none = t.get("a@example.org");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  ASSERT_TRUE(t.put("A@Example.ORG", "one").ok());
  ASSERT_TRUE(t.put("b@example.org", "two").ok());
  auto one = t.get("a@example.org");
  ASSERT_TRUE(one.ok() && *one);
  EXPECT_EQ(**one, "one");
  ASSERT_TRUE(t.put("a@example.org", "uno").ok());
  EXPECT_EQ(**t.get("A@EXAMPLE.org"), "uno");
  auto n = t.purge([](std::string_view k, std::string_view v) { return k == "b@example.org" && v == "two"; });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(*t.get("b@example.org"));
  ASSERT_TRUE(t.erase("a@example.org").ok());
  ASSERT_TRUE(t.erase("never@example.org").ok());
  EXPECT_FALSE(*t.get("a@example.org"));
}

TEST(CacheTable, Memory) {
  auto t = open_cache_table("", "address_verify_map");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->where(), "memory");
  exercise(**t);
}

TEST(CacheTable, LmdbFilePersistsAndReadsAsAnIndex) {
  tern::testing::TempDir dir;
  std::string spec = "btree:" + dir.file("verify_cache");
  {
    auto t = open_cache_table(spec, "address_verify_map");
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ((*t)->where(), dir.file("verify_cache.db"));
    exercise(**t);
    ASSERT_TRUE((*t)->put("kept@example.org", "1 ok 5 5 250 Ok").ok());
  }
  auto again = open_cache_table(spec, "address_verify_map");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(**(*again)->get("kept@example.org"), "1 ok 5 5 250 Ok");
  auto idx = open_index(spec, IndexType::btree, dir.file("verify_cache"));
  ASSERT_TRUE(idx.ok()) << idx.error().message;
  auto f = (*idx)->find("Kept@example.org");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(*f);
  EXPECT_EQ(**f, "1 ok 5 5 250 Ok");
}

TEST(CacheTable, BadSpecsAreErrors) {
  for (const char* bad : {"regexp:/etc/x", "btree:", "btree:relative", "nonsense", "proxy:btree:/x"}) {
    auto t = open_cache_table(bad, "address_verify_map");
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.error().message.find("address_verify_map"), std::string::npos) << t.error().message;
  }
  auto missing_dir = open_cache_table("btree:/nonexistent-dir-xyz/verify_cache", "address_verify_map");
  EXPECT_FALSE(missing_dir.ok());
}

}  // namespace
}  // namespace tern::maps
