// The spam trap blocklist: its record lines (malformed ones are errors, and absent with a
// warning when found in the store), blocks with expiry at injected times, one store per
// file, and the spamtrap: table that check_client_access reads.
#include "maps/spamtrap_blocklist.hpp"

#include <gtest/gtest.h>

#include <lmdb.h>

#include <ctime>

#include "../temp_dir.hpp"
#include "map_test_util.hpp"

namespace tern::maps {
namespace {

constexpr int64_t T0 = 1'765'113'600;
constexpr const char* kAction = "REJECT Client host blocked after mail to a spam trap";

TEST(BlockRecordTest, FormatsAndParsesBack) {
  BlockRecord r{T0, T0 + 86400, 3, "trap@example.com", kAction};
  std::string line = format_block_record(r);
  EXPECT_EQ(line, "v1 since=1765113600 until=1765200000 hits=3 trap=<trap@example.com> action=" + std::string(kAction));
  auto back = parse_block_record(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->since, r.since);
  EXPECT_EQ(back->until, r.until);
  EXPECT_EQ(back->hits, 3u);
  EXPECT_EQ(back->trap, "trap@example.com");
  EXPECT_EQ(back->action, kAction);
  EXPECT_TRUE(back->current(T0 + 86399));
  EXPECT_FALSE(back->current(T0 + 86400));
}

TEST(BlockRecordTest, UntrustedTrapTextIsMadeSafe) {
  BlockRecord r{T0, T0 + 1, 1, "\"a b\"\n@example.com", "REJECT x\r\ny"};
  std::string line = format_block_record(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = parse_block_record(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->trap.find(' '), std::string::npos);
}

TEST(BlockRecordTest, MalformedLinesAreErrors) {
  const char* bad[] = {
      "",
      "v1",
      "v2 since=1 until=2 hits=1 trap=<t@x> action=OK",
      "v1 until=2 since=1 hits=1 trap=<t@x> action=OK",
      "v1 since= until=2 hits=1 trap=<t@x> action=OK",
      "v1 since=-1 until=2 hits=1 trap=<t@x> action=OK",
      "v1 since=1x until=2 hits=1 trap=<t@x> action=OK",
      "v1 since=5 until=2 hits=1 trap=<t@x> action=OK",
      "v1 since=1 until=99999999999999999999999 hits=1 trap=<t@x> action=OK",
      "v1 since=1 until=2 hits=4294967296 trap=<t@x> action=OK",
      "v1 since=1 until=2 hits=1 trap=t@x action=OK",
      "v1 since=1 until=2 hits=1 trap=<t@x>",
      "v1 since=1 until=2 hits=1 trap=<t@x> action=",
      "v1 since=1 until=2 hits=1 trap=<t@x> action=   ",
      "v1 since=1 until=2 hits=1 trap=<t@x> action=OK\n",
      "v1  since=1 until=2 hits=1 trap=<t@x> action=OK",
  };
  for (const char* line : bad) EXPECT_FALSE(parse_block_record(line).ok()) << line;
}

class BlocklistTest : public ::testing::Test {
 protected:
  std::shared_ptr<Blocklist> open(std::string spec = "") {
    if (spec.empty()) spec = "lmdb:" + dir.file("state/spamtrap_blocklist");
    auto b = Blocklist::open(spec, dir.path(), [this](const std::string& w) { warnings.push_back(w); });
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    return b.ok() ? *b : nullptr;
  }
  // Writes a raw value under `key`, as a damaged or foreign store would hold it.
  void put_raw(const std::string& key, const std::string& value) {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    ASSERT_EQ(mdb_env_open(env, dir.file("state/spamtrap_blocklist.lmdb").c_str(), MDB_NOSUBDIR, 0640), 0);
    MDB_txn* txn = nullptr;
    MDB_dbi dbi;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    ASSERT_EQ(mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
    MDB_val k{key.size(), const_cast<char*>(key.data())}, v{value.size(), const_cast<char*>(value.data())};
    ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }

  testing::TempDir dir;
  std::vector<std::string> warnings;
};

TEST_F(BlocklistTest, ABlockLastsItsTimeThenExpires) {
  auto b = open();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->file(), dir.file("state/spamtrap_blocklist.lmdb"));
  auto r = b->block("192.0.2.7", "trap@example.com", kAction, T0, 3600);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->until, T0 + 3600);
  auto found = b->find("192.0.2.7", T0 + 10);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->action, kAction);
  EXPECT_EQ((*found)->trap, "trap@example.com");
  EXPECT_FALSE(b->find("192.0.2.8", T0 + 10)->has_value());
  EXPECT_FALSE(b->find("192.0.2.7", T0 + 3600)->has_value());  // expired
  EXPECT_TRUE(warnings.empty());
}

TEST_F(BlocklistTest, AnotherHitWhileListedRenewsAndCounts) {
  auto b = open();
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->block("192.0.2.7", "a@example.com", kAction, T0, 3600).ok());
  auto r = b->block("192.0.2.7", "b@example.com", kAction, T0 + 100, 3600);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->since, T0);
  EXPECT_EQ(r->until, T0 + 3700);
  EXPECT_EQ(r->hits, 2u);
  EXPECT_EQ(r->trap, "b@example.com");
  // After expiry a hit starts a new block.
  auto later = b->block("192.0.2.7", "c@example.com", kAction, T0 + 10000, 3600);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->since, T0 + 10000);
  EXPECT_EQ(later->hits, 1u);
}

TEST_F(BlocklistTest, MalformedRecordsAreAbsentWithAWarningAndPurged) {
  auto b = open();
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->block("192.0.2.1", "t@example.com", kAction, T0, 3600).ok());
  put_raw("192.0.2.9", "v1 since=garbage");
  auto found = b->find("192.0.2.9", T0);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("malformed record for 192.0.2.9: bad or missing since="), std::string::npos)
      << warnings[0];
  // A purge removes the malformed one and the expired ones, keeps current ones.
  ASSERT_TRUE(b->block("192.0.2.2", "t@example.com", kAction, T0 - 7200, 3600).ok());
  auto removed = b->purge(T0 + 1);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2u);
  EXPECT_TRUE(b->find("192.0.2.1", T0 + 1)->has_value());
}

TEST_F(BlocklistTest, ClientsCanBeUnblockedAndListed) {
  auto b = open();
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->block("192.0.2.1", "t@example.com", kAction, T0, 3600).ok());
  ASSERT_TRUE(b->block("192.0.2.2", "u@example.com", kAction, T0, 60).ok());
  auto all = b->entries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].first, "192.0.2.1");
  EXPECT_EQ((*all)[0].second, "v1 since=1765113600 until=1765117200 hits=1 trap=<t@example.com> action=" +
                                  std::string(kAction));
  EXPECT_EQ(*b->erase("192.0.2.1"), true);
  EXPECT_EQ(*b->erase("192.0.2.1"), false);
  EXPECT_FALSE(b->find("192.0.2.1", T0)->has_value());
  EXPECT_EQ(b->entries()->size(), 1u);
}

TEST_F(BlocklistTest, OneStorePerFileInAProcess) {
  auto a = open();
  auto b = open(dir.file("state/spamtrap_blocklist"));  // the same file, without lmdb:
  EXPECT_EQ(a.get(), b.get());
  auto rel = open("lmdb:state/spamtrap_blocklist");  // relative to the configuration directory
  EXPECT_EQ(a.get(), rel.get());
}

TEST_F(BlocklistTest, OnlyLmdbDatabasesAreSupported) {
  auto b = Blocklist::open("hash:" + dir.file("x"), dir.path());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("only lmdb: databases are supported"), std::string::npos);
  EXPECT_FALSE(Blocklist::open("lmdb:", dir.path()).ok());
}

TEST_F(BlocklistTest, TheSpamtrapTableAnswersListedClientsUntilTheyExpire) {
  auto b = open();
  ASSERT_TRUE(b);
  int64_t now = int64_t(std::time(nullptr));
  ASSERT_TRUE(b->block("192.0.2.7", "t@example.com", kAction, now, 3600).ok());
  ASSERT_TRUE(b->block("192.0.2.8", "t@example.com", kAction, now - 7200, 3600).ok());  // over an hour ago
  auto t = test::expect_table(open_map("spamtrap:lmdb:" + dir.file("state/spamtrap_blocklist"), OpenContext{dir.path()}));
  ASSERT_TRUE(t);
  EXPECT_EQ(test::lookup(t.get(), "192.0.2.7"), Found(kAction));
  EXPECT_EQ(test::lookup(t.get(), "192.0.2.8"), Found());
  EXPECT_EQ(test::lookup(t.get(), "192.0.2"), Found());
  EXPECT_EQ(test::lookup(t.get(), ""), Found());
  auto plain = test::expect_table(open_map("spamtrap:state/spamtrap_blocklist", OpenContext{dir.path()}));
  EXPECT_EQ(test::lookup(plain.get(), "192.0.2.7"), Found(kAction));
  EXPECT_NE(test::expect_error(open_map("spamtrap:", OpenContext{dir.path()})).find("name the blocklist"),
            std::string::npos);
}

}  // namespace
}  // namespace tern::maps
