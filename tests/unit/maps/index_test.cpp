// LMDB indexes: file names, building and reading back, lookups through open_map with case
// folding, precedence in a MapList, a missing index, an index older than its source, and
// a rebuild under a table that is open.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "../temp_dir.hpp"
#include "maps/index.hpp"
#include "maps/lookup.hpp"

namespace tern::maps {
namespace {

using namespace std::chrono_literals;

void build(const std::string& path, const TableEntries& e) {
  auto s = write_index(path, e, 0644);
  ASSERT_TRUE(s.ok()) << s.error().message;
}

std::unique_ptr<Lookup> open_ok(const std::string& spec, const testing::TempDir& dir) {
  auto m = open_map(spec, OpenContext{dir.path(), "", false});
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return m.ok() ? std::move(*m) : nullptr;
}

Found find(const Lookup& l, std::string_view key) {
  auto r = l.find(key);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : Found("<error>");
}

// Sets a file's modification time `secs` seconds from now.
void touch(const std::string& path, int secs) {
  struct timespec ts[2];
  clock_gettime(CLOCK_REALTIME, &ts[0]);
  ts[0].tv_sec += secs;
  ts[1] = ts[0];
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), ts, 0), 0);
}

TEST(LmdbIndex, FileNamesFollowPostfix) {
  EXPECT_EQ(index_path(IndexType::hash, "/etc/tern/virtual"), "/etc/tern/virtual.db");
  EXPECT_EQ(index_path(IndexType::btree, "/etc/tern/virtual"), "/etc/tern/virtual.db");
  EXPECT_EQ(index_path(IndexType::lmdb, "/etc/tern/virtual"), "/etc/tern/virtual.lmdb");
  EXPECT_EQ(index_type("HASH"), IndexType::hash);
  EXPECT_EQ(index_type("texthash"), std::nullopt);
}

TEST(LmdbIndex, WriteThenReadBackInKeyOrder) {
  testing::TempDir dir;
  TableEntries e{{"b", "2"}, {"a", "1"}, {std::string("z\0y", 3), "bin"}, {"\xff", "high"}};
  build(dir.file("t.db"), e);
  auto r = read_index(dir.file("t.db"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, e);
  // One file and nothing else: no lock file, no leftover temporary.
  std::vector<std::string> names;
  for (const auto& f : std::filesystem::directory_iterator(dir.path())) names.push_back(f.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"t.db"});
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("t.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST(LmdbIndex, LargeTableGrowsTheMap) {
  testing::TempDir dir;
  TableEntries e;
  for (int i = 0; i < 20000; ++i) e["key" + std::to_string(i)] = std::string(200, char('a' + i % 26));
  build(dir.file("big.db"), e);
  auto r = read_index(dir.file("big.db"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), e.size());
}

TEST(LmdbIndex, BadKeysAreRefused) {
  testing::TempDir dir;
  auto empty = write_index(dir.file("t.db"), {{"", "x"}}, 0644);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, dir.file("t.db") + ": empty key");
  auto longer = write_index(dir.file("t.db"), {{std::string(512, 'k'), "x"}}, 0644);
  ASSERT_FALSE(longer.ok());
  EXPECT_NE(longer.error().message.find("key longer than 511 bytes"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.file("t.db")));
  EXPECT_TRUE(write_index(dir.file("t.db"), {{std::string(511, 'k'), "x"}}, 0644).ok());
}

TEST(LmdbIndex, HashBtreeAndLmdbLookupsFoldTheKey) {
  testing::TempDir dir;
  dir.write("virtual", "unused source\n");
  touch(dir.file("virtual"), -10);
  build(dir.file("virtual.db"), {{"info@example.test", "Alice"}});
  build(dir.file("virtual.lmdb"), {{"sales@example.test", "bob"}});
  for (const std::string& s : {std::string("hash:virtual"), std::string("btree:virtual"),
                               "HASH:" + dir.file("virtual"), std::string("proxy:hash:virtual")}) {
    auto m = open_ok(s, dir);
    ASSERT_TRUE(m) << s;
    EXPECT_EQ(find(*m, "Info@Example.TEST"), "Alice");
    EXPECT_EQ(find(*m, "nobody@example.test"), std::nullopt);
    EXPECT_EQ(find(*m, ""), std::nullopt);
    EXPECT_EQ(find(*m, std::string(600, 'x')), std::nullopt);
  }
  auto l = open_ok("lmdb:virtual", dir);
  ASSERT_TRUE(l);
  EXPECT_EQ(find(*l, "SALES@example.test"), "bob");
}

TEST(LmdbIndex, WithoutFoldingOnlyTheExactKeyMatches) {
  testing::TempDir dir;
  build(dir.file("t.db"), {{"MiXed", "1"}});
  auto m = open_index("hash:t", IndexType::hash, dir.file("t"), {false, 1000ms, {}});
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(find(**m, "MiXed"), "1");
  EXPECT_EQ(find(**m, "mixed"), std::nullopt);
  auto folded = open_ok("hash:t", dir);  // the daemon's way: the key is folded first
  EXPECT_EQ(find(*folded, "MiXed"), std::nullopt);
}

TEST(LmdbIndex, PrecedenceInAMapList) {
  testing::TempDir dir;
  build(dir.file("first.db"), {{"a", "from-hash"}});
  auto l = MapList::open({"hash:" + dir.file("first"), "inline:{ a=from-inline, b=only-inline }"}, {});
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(*l->find("A"), Found("from-hash"));
  EXPECT_EQ(*l->find("b"), Found("only-inline"));
  EXPECT_EQ(*l->find("c"), std::nullopt);
}

TEST(LmdbIndex, MissingIndexSaysToRunPostmap) {
  testing::TempDir dir;
  auto m = open_map("hash:aliases", OpenContext{dir.path(), "", false});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message, "table \"hash:aliases\": open database " + dir.file("aliases.db") +
                                   ": No such file or directory (run \"postmap hash:aliases\", or "
                                   "\"postalias hash:aliases\" for an aliases file)");
}

TEST(LmdbIndex, GarbageFileIsAnOpenError) {
  testing::TempDir dir;
  dir.write("t.db", std::string(8192, 'x'));
  auto m = open_map("hash:t", OpenContext{dir.path(), "", false});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message.rfind("table \"hash:t\": open database " + dir.file("t.db") + ": ", 0), 0u)
      << m.error().message;
}

TEST(LmdbIndex, IndexOlderThanSourceIsAWarning) {
  testing::TempDir dir;
  build(dir.file("t.db"), {{"a", "1"}});
  dir.write("t", "a 2\n");
  touch(dir.file("t"), 10);
  std::vector<std::string> warnings;
  auto m = open_index("hash:t", IndexType::hash, dir.file("t"),
                      {true, 1000ms, [&](const std::string& w) { warnings.push_back(w); }});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(find(**m, "a"), "1");  // still answers from the index
  EXPECT_EQ(warnings, std::vector<std::string>{"database " + dir.file("t.db") +
                                               " is older than source file " + dir.file("t")});
  // Without a callback the warning goes to the log (stderr when no sink is open).
  ::testing::internal::CaptureStderr();
  auto logged = open_map("hash:t", OpenContext{dir.path(), "", false});
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(logged.ok());
  EXPECT_NE(err.find("/maps: warning: database " + dir.file("t.db") + " is older than source file "),
            std::string::npos)
      << err;
  touch(dir.file("t"), -10);
  warnings.clear();
  auto fresh = open_index("hash:t", IndexType::hash, dir.file("t"),
                          {true, 1000ms, [&](const std::string& w) { warnings.push_back(w); }});
  EXPECT_TRUE(fresh.ok());
  EXPECT_TRUE(warnings.empty());
}

TEST(LmdbIndex, RebuildWhileOpenIsSeenWholeAfterTheRecheck) {
  testing::TempDir dir;
  build(dir.file("t.db"), {{"a", "old"}, {"gone", "x"}});
  auto every = open_index("hash:t", IndexType::hash, dir.file("t"), {true, 0ms, {}});
  auto hourly = open_index("hash:t", IndexType::hash, dir.file("t"), {true, 3600s, {}});
  ASSERT_TRUE(every.ok() && hourly.ok());
  EXPECT_EQ(find(**every, "a"), "old");
  for (int round = 0; round < 3; ++round) {
    std::string v = "new" + std::to_string(round);
    build(dir.file("t.db"), {{"a", v}, {"b", v}});
    // A table that rechecks follows the rename; one that does not yet keeps reading
    // the old file, still complete and consistent.
    EXPECT_EQ(find(**every, "a"), v);
    EXPECT_EQ(find(**every, "b"), v);
    EXPECT_EQ(find(**every, "gone"), std::nullopt);
    EXPECT_EQ(find(**hourly, "a"), "old");
    EXPECT_EQ(find(**hourly, "gone"), "x");
  }
}

TEST(LmdbIndex, LookupsDuringRepeatedRebuildsNeverFailOrGoBack) {
  testing::TempDir dir;
  build(dir.file("t.db"), {{"k", "0"}});
  auto m = open_index("hash:t", IndexType::hash, dir.file("t"), {true, 0ms, {}});
  ASSERT_TRUE(m.ok());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= 50; ++i) (void)write_index(dir.file("t.db"), {{"k", std::to_string(i)}}, 0644);
    done = true;
  });
  long last = 0, lookups = 0;
  bool ok = true;
  while (!done || lookups == 0) {
    auto r = (*m)->find("k");
    ok &= r.ok() && *r && std::stol(**r) >= last;
    if (r.ok() && *r) last = std::stol(**r);
    ++lookups;
  }
  writer.join();
  EXPECT_TRUE(ok) << "after " << lookups << " lookups, last " << last;
  EXPECT_EQ(find(**m, "k"), "50");
}

TEST(LmdbIndex, BrokenRebuildKeepsServingThePreviousIndex) {
  testing::TempDir dir;
  build(dir.file("t.db"), {{"a", "1"}});
  std::vector<std::string> warnings;
  auto m = open_index("hash:t", IndexType::hash, dir.file("t"),
                      {true, 0ms, [&](const std::string& w) { warnings.push_back(w); }});
  ASSERT_TRUE(m.ok());
  dir.write("t.db.new", std::string(8192, 'x'));
  ASSERT_EQ(::rename(dir.file("t.db.new").c_str(), dir.file("t.db").c_str()), 0);
  EXPECT_EQ(find(**m, "a"), "1");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("(still using the previous version)"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace tern::maps
