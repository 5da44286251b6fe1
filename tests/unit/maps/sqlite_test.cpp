// sqlite: tables (sqlite_table(5)) against a database each test builds with the sqlite3
// C API: query and result_format expansions, quoting, multiple rows, the domain filter,
// expansion_limit, the read-only open, and configuration errors.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "../temp_dir.hpp"
#include "maps/sql_template.hpp"
#include "map_test_util.hpp"

namespace tern::maps {
namespace {

using test::expect_error;
using test::expect_table;
using test::lookup;

class SqliteTable : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.file("mail.db").c_str(), &db), SQLITE_OK);
    const char* sql =
        "BEGIN;"
        "CREATE TABLE aliases (k TEXT, v TEXT);"
        "INSERT INTO aliases VALUES ('alice@example.com', 'alice@mail.example.com');"
        "INSERT INTO aliases VALUES ('list@example.com', 'bob@example.net');"
        "INSERT INTO aliases VALUES ('list@example.com', 'carol@example.org');"
        "INSERT INTO aliases VALUES ('list@example.com', '');"
        "INSERT INTO aliases VALUES ('o''brien@example.com', 'quoted');"
        "INSERT INTO aliases VALUES ('plain', 'local-only');"
        "CREATE TABLE parts (u TEXT, d TEXT, top TEXT, v TEXT);"
        "INSERT INTO parts VALUES ('alice', 'example.com', 'com', 'by-parts');"
        "INSERT INTO parts VALUES ('plain', '', '', 'unqualified');"
        "COMMIT;";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
  }

  std::unique_ptr<Lookup> open(std::string_view cf_text) {
    dir_.write("t.cf", "dbpath = mail.db\n" + std::string(cf_text));
    return expect_table(open_map("sqlite:t.cf", ctx()));
  }
  std::string open_error(std::string_view cf_text) {
    dir_.write("t.cf", cf_text);
    return expect_error(open_map("sqlite:t.cf", ctx()));
  }
  OpenContext ctx() const { return OpenContext{dir_.path()}; }
  std::string cf() const { return dir_.file("t.cf"); }

  testing::TempDir dir_;
};

TEST_F(SqliteTable, QueryRowsJoinedAndResultFormat) {
  auto t = open("query = SELECT v FROM aliases WHERE k = '%s'\n");
  EXPECT_EQ(lookup(t.get(), "alice@example.com"), "alice@mail.example.com");
  // Every row's first column, empty values skipped, in row order.
  EXPECT_EQ(lookup(t.get(), "list@example.com"), "bob@example.net,carol@example.org");
  EXPECT_EQ(lookup(t.get(), "ALICE@Example.COM"), "alice@mail.example.com");  // keys fold
  EXPECT_EQ(lookup(t.get(), "nobody@example.com"), std::nullopt);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->fixed_keys());

  auto f = open("query = SELECT v FROM aliases WHERE k = '%s'\nresult_format = smtp:[%s]\n");
  EXPECT_EQ(lookup(f.get(), "list@example.com"), "smtp:[bob@example.net],smtp:[carol@example.org]");
}

TEST_F(SqliteTable, KeysAreQuoted) {
  auto t = open("query = SELECT v FROM aliases WHERE k = '%s'\n");
  EXPECT_EQ(lookup(t.get(), "o'brien@example.com"), "quoted");
  EXPECT_EQ(lookup(t.get(), "x' OR '1'='1"), std::nullopt);
  EXPECT_EQ(lookup(t.get(), "x'; DROP TABLE aliases; --"), std::nullopt);
  EXPECT_EQ(lookup(t.get(), "alice@example.com"), "alice@mail.example.com");
}

TEST_F(SqliteTable, QueryExpansionsAndSuppression) {
  auto t = open("query = SELECT v FROM parts WHERE u = '%u' AND d = '%d' AND top = '%1'\n");
  EXPECT_EQ(lookup(t.get(), "alice@example.com"), "by-parts");
  // %d needs a domain: an unqualified key is never queried, though a row has d = ''.
  EXPECT_EQ(lookup(t.get(), "plain"), std::nullopt);
  auto u = open("query = SELECT v FROM parts WHERE u = '%u' AND d = ''\n");
  EXPECT_EQ(lookup(u.get(), "plain"), "unqualified");  // %u of an unqualified key is the key
  EXPECT_EQ(lookup(u.get(), "@example.com"), std::nullopt);  // empty local part: suppressed
  auto deep = open("query = SELECT v FROM parts WHERE top = '%3'\n");
  EXPECT_EQ(lookup(deep.get(), "alice@example.com"), std::nullopt);  // only two labels
}

TEST_F(SqliteTable, ResultFormatExpansions) {
  auto t = open(
      "query = SELECT v FROM aliases WHERE k = '%s'\n"
      "result_format = %u at %d for %U of %D (%1) 100%%\n");
  EXPECT_EQ(lookup(t.get(), "alice@example.com"),
            "alice at mail.example.com for alice of example.com (com) 100%");
  // %d of an unqualified value skips it; %1 of an unqualified key suppresses everything.
  auto d = open("query = SELECT v FROM aliases WHERE k = '%s'\nresult_format = %d\n");
  EXPECT_EQ(lookup(d.get(), "plain"), std::nullopt);
  auto one = open("query = SELECT v FROM aliases WHERE k = '%s'\nresult_format = %s/%1\n");
  EXPECT_EQ(lookup(one.get(), "plain"), std::nullopt);
}

TEST_F(SqliteTable, DomainRestrictsLookups) {
  auto t = open(
      "query = SELECT v FROM aliases WHERE k = '%s' OR k = 'plain'\n"
      "domain = Example.COM, inline:{example.org=yes}\n");
  EXPECT_EQ(lookup(t.get(), "alice@example.com"), "alice@mail.example.com,local-only");
  EXPECT_EQ(lookup(t.get(), "x@example.org"), "local-only");
  EXPECT_EQ(lookup(t.get(), "x@example.net"), std::nullopt);  // not a listed domain
  EXPECT_EQ(lookup(t.get(), "plain"), std::nullopt);          // unqualified
  EXPECT_EQ(lookup(t.get(), "@example.com"), std::nullopt);   // empty local part
  EXPECT_EQ(lookup(t.get(), "x@sub.example.com"), std::nullopt);

  dir_.write("domains", "example.net\n");
  auto file = open("query = SELECT v FROM aliases WHERE k = 'plain'\ndomain = " + dir_.file("domains") + "\n");
  EXPECT_EQ(lookup(file.get(), "x@example.net"), "local-only");
  EXPECT_EQ(lookup(file.get(), "x@example.com"), std::nullopt);
}

TEST_F(SqliteTable, ExpansionLimit) {
  auto t = open("query = SELECT v FROM aliases WHERE k = '%s'\nexpansion_limit = 1\n");
  EXPECT_EQ(lookup(t.get(), "alice@example.com"), "alice@mail.example.com");
  ASSERT_TRUE(t);
  auto r = t->find("list@example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "table sqlite:t.cf: expansion limit exceeded for key \"list@example.com\"");
}

TEST_F(SqliteTable, LegacyQueryParameters) {
  auto t = open("select_field = v\ntable = aliases\nwhere_field = k\nadditional_conditions = AND v <> ''\n");
  EXPECT_EQ(lookup(t.get(), "list@example.com"), "bob@example.net,carol@example.org");
}

TEST_F(SqliteTable, DatabaseIsOpenedReadOnlyAndQueryErrorsFailTheLookup) {
  auto w = open("query = UPDATE aliases SET v = 'hacked' WHERE k = '%s'\n");
  ASSERT_TRUE(w);
  auto r = w->find("alice@example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "table sqlite:t.cf: sqlite query failed: attempt to write a readonly database");
  auto bad = open("query = SELECT v FROM nope WHERE k = '%s'\n");
  ASSERT_TRUE(bad);
  r = bad->find("a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "table sqlite:t.cf: sqlite query failed: no such table: nope");
}

TEST_F(SqliteTable, ConfigurationErrors) {
  EXPECT_EQ(open_error("query = SELECT 1\n"), "table \"sqlite:t.cf\": " + cf() + ": missing \"dbpath\"");
  EXPECT_EQ(open_error("dbpath = mail.db\n"), "table \"sqlite:t.cf\": " + cf() + ": missing \"query\"");
  EXPECT_EQ(open_error("dbpath = mail.db\nquery = SELECT v FROM aliases WHERE k = '%x'\n"),
            "table \"sqlite:t.cf\": " + cf() +
                ": query: invalid '%x' in \"SELECT v FROM aliases WHERE k = '%x'\" (use %%, %s, %u, "
                "%d, %S, %U, %D or %1..%9)");
  EXPECT_EQ(open_error("dbpath = mail.db\nquery = SELECT 1\nresult_format = 50%\n"),
            "table \"sqlite:t.cf\": " + cf() + ": result_format: '%' at the end of \"50%\"");
  EXPECT_EQ(open_error("dbpath = mail.db\nquery = SELECT 1\nexpansion_limit = lots\n"),
            "table \"sqlite:t.cf\": " + cf() + ": expansion_limit: bad number \"lots\"");
  EXPECT_EQ(open_error("dbpath = absent.db\nquery = SELECT 1\n"),
            "table \"sqlite:t.cf\": open database " + dir_.file("absent.db") + ": unable to open database file");
  EXPECT_EQ(open_error("dbpath = mail.db\nquery = SELECT 1\ndomain = bogus:x\n"),
            "table \"sqlite:t.cf\": " + cf() +
                ": domain: table \"bogus:x\": lookup table type \"bogus\" is not supported yet (available: "
                "hash, btree, lmdb, inline, static, texthash, regexp, pcre, cidr, unionmap, pipemap, sqlite, unix, spamtrap, fail)");
}

TEST(SqlTemplate, QuotingIsTheCallersAndPercentIsLiteral) {
  auto q = [](std::string_view s) { return "<" + std::string(s) + ">"; };
  EXPECT_EQ(expand_sql_query("k='%s' u='%U' d='%D' %% %2", "a@b.example", q),
            "k='<a@b.example>' u='<a>' d='<b.example>' % <b>");
  EXPECT_EQ(expand_sql_query("%u", "a@", q), "<a>");
  EXPECT_EQ(expand_sql_query("%d", "a@", q), std::nullopt);
  EXPECT_EQ(expand_sql_result("%s", "", "k"), std::nullopt);
  EXPECT_EQ(expand_sql_result("%u", "@x", "k"), std::nullopt);
}

}  // namespace
}  // namespace tern::maps
