// Table types through open_map(), table source parsing, passwd files and MapList order.
#include "maps/lookup.hpp"

#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "maps/passwd.hpp"
#include "maps/tables.hpp"

namespace tern::maps {
namespace {

std::unique_ptr<Lookup> open_ok(std::string_view spec, const OpenContext& ctx = {}) {
  auto m = open_map(spec, ctx);
  EXPECT_TRUE(m.ok()) << spec << ": " << (m.ok() ? "" : m.error().message);
  return m.ok() ? std::move(*m) : nullptr;
}

std::string open_err(std::string_view spec, const OpenContext& ctx = {}) {
  auto m = open_map(spec, ctx);
  EXPECT_FALSE(m.ok()) << spec;
  return m.ok() ? "" : m.error().message;
}

Found find(const Lookup& l, std::string_view key) {
  auto r = l.find(key);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : Found("<error>");
}

TEST(InlineMap, KeysAreCaseFoldedValuesTrimmed) {
  auto m = open_ok("inline:{ postmaster=alice, Root=bob ,{ long = value with, commas } }");
  ASSERT_TRUE(m);
  EXPECT_EQ(find(*m, "postmaster"), "alice");
  EXPECT_EQ(find(*m, "ROOT"), "bob");
  EXPECT_EQ(find(*m, "long"), "value with, commas");
  EXPECT_EQ(find(*m, "nobody"), std::nullopt);
  EXPECT_EQ(m->spec(), "inline:{ postmaster=alice, Root=bob ,{ long = value with, commas } }");
}

TEST(InlineMap, WithoutBracesAndEmpty) {
  auto m = open_ok("inline:a=b");
  ASSERT_TRUE(m);
  EXPECT_EQ(find(*m, "a"), "b");
  auto e = open_ok("inline:{}");
  ASSERT_TRUE(e);
  EXPECT_EQ(find(*e, "a"), std::nullopt);
}

TEST(InlineMap, SpacesAroundEqualsNeedBraces) {
  // Postfix: outside "{ }" whitespace separates pairs, so "a = b" is three items.
  EXPECT_EQ(open_err("inline:{ a = b }"), "table \"inline:{ a = b }\": missing '=' in \"a\"");
}

TEST(InlineMap, MissingEqualsIsAnError) {
  EXPECT_EQ(open_err("inline:{ a=b, lonely }"),
            "table \"inline:{ a=b, lonely }\": missing '=' in \"lonely\"");
  EXPECT_EQ(open_err("inline:{ =x }"), "table \"inline:{ =x }\": empty key");
}

TEST(StaticMap, AnswersEveryKey) {
  auto m = open_ok("static:{ hello world }");
  ASSERT_TRUE(m);
  EXPECT_EQ(find(*m, "anything"), "hello world");
  EXPECT_EQ(find(*m, ""), "hello world");
}

TEST(FailMap, AlwaysFails) {
  auto m = open_ok("fail:test");
  ASSERT_TRUE(m);
  auto r = m->find("x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "table fail:test lookup error");
}

TEST(ProxyMap, OpensTheNamedTable) {
  auto m = open_ok("proxy:inline:{ a=b }");
  ASSERT_TRUE(m);
  EXPECT_EQ(find(*m, "a"), "b");
}

TEST(OpenMap, UnsupportedTypesAreClearErrors) {
  EXPECT_EQ(open_err("LDAP:/etc/x"),
            "table \"LDAP:/etc/x\": lookup table type \"ldap\" is not supported yet "
            "(available: hash, btree, lmdb, inline, static, texthash, regexp, pcre, cidr, unionmap, pipemap, sqlite, unix, spamtrap, fail)");
  EXPECT_EQ(open_err("no-type-here"), "table \"no-type-here\": expected type:name");
  EXPECT_EQ(open_err("unix:group.byname"), "table \"unix:group.byname\": only unix:passwd.byname is supported");
}

TEST(TexthashMap, ReadsAFileRelativeToTheConfigDirectory) {
  testing::TempDir dir;
  dir.write("virtual", "# comment\nInfo@Example.test  alice\nsales@example.test bob,\n  carol\n");
  auto m = open_ok("texthash:virtual", OpenContext{dir.path(), "", false});
  ASSERT_TRUE(m);
  EXPECT_EQ(find(*m, "info@example.test"), "alice");
  EXPECT_EQ(find(*m, "SALES@example.test"), "bob, carol");
}

TEST(TexthashMap, MissingFileIsAnError) {
  testing::TempDir dir;
  std::string e = open_err("texthash:nope", OpenContext{dir.path(), "", false});
  EXPECT_EQ(e.rfind("table \"texthash:nope\": ", 0), 0u) << e;
  EXPECT_NE(e.find(dir.file("nope")), std::string::npos) << e;
}

TEST(TexthashMap, SyntaxErrorNamesFileAndLine) {
  testing::TempDir dir;
  dir.write("t", "a b\n\nlonely\n");
  EXPECT_EQ(open_err("texthash:t", OpenContext{dir.path(), "", false}),
            dir.file("t") + ":3: expected \"key whitespace value\": \"lonely\"");
}

TEST(ParseTableSource, CommentsContinuationsAndCrLf) {
  auto r = parse_table_source("# header\r\nalice\talice@example.test\r\n  # indented comment\r\n"
                              "LIST   a,\r\n\tb,\r\n  c\r\n\r\nlast value with spaces  \r\n",
                              "t");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 3u);
  EXPECT_EQ(r->at("alice"), "alice@example.test");
  EXPECT_EQ(r->at("list"), "a, b, c");
  EXPECT_EQ(r->at("last"), "value with spaces");
}

TEST(ParseTableSource, Errors) {
  auto a = parse_table_source("ok v\nkeyonly\n", "/etc/tern/t");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "/etc/tern/t:2: expected \"key whitespace value\": \"keyonly\"");
  auto b = parse_table_source("\n  continued\n", "/etc/tern/t");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "/etc/tern/t:2: continuation line without a key before it");
}

TEST(ParsePasswd, ReadsUsersAndResolvesRelativeHomes) {
  auto r = parse_passwd("alice:x:1000:1000:Alice:/home/alice:/bin/sh\n# comment\n\n"
                        "bob:x:1001:1002::../mail/bob:/bin/false\n",
                        "/etc/tern/passwd");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "alice");
  EXPECT_EQ((*r)[0].uid, 1000);
  EXPECT_EQ((*r)[0].gid, 1000);
  EXPECT_EQ((*r)[0].home, "/home/alice");
  EXPECT_EQ((*r)[1].name, "bob");
  EXPECT_EQ((*r)[1].gid, 1002);
  EXPECT_EQ((*r)[1].home, "/etc/tern/../mail/bob");
}

TEST(ParsePasswd, Errors) {
  auto fields = parse_passwd("ok:x:1:1::/h:/s\nalice:x:1000:1000:/home/alice:/bin/sh\n", "/p");
  ASSERT_FALSE(fields.ok());
  EXPECT_EQ(fields.error().message, "/p:2: expected 7 colon-separated passwd(5) fields");
  for (const char* bad : {"alice:x:abc:1::/h:/s", "alice:x:-1:1::/h:/s", "alice:x:1:1x::/h:/s",
                          ":x:1:1::/h:/s"}) {
    auto r = parse_passwd(bad, "/p");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message, "/p:1: bad user name, uid or gid");
  }
  auto home = parse_passwd("alice:x:1:1:::/bin/sh", "/p");
  ASSERT_FALSE(home.ok());
  EXPECT_EQ(home.error().message, "/p:1: empty home directory");
}

TEST(PasswdMap, LooksUpTheLocalPasswdFile) {
  testing::TempDir dir;
  dir.write("passwd", "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n");
  auto m = open_ok("unix:passwd.byname", OpenContext{dir.path(), dir.file("passwd"), false});
  ASSERT_TRUE(m);
  EXPECT_EQ(find(*m, "alice"), "alice:x:1000:1000::/home/alice:");
  EXPECT_EQ(find(*m, "Alice"), std::nullopt);  // user names are case-sensitive
  EXPECT_EQ(find(*m, "mallory"), std::nullopt);
}

TEST(PasswdMap, BadPasswdFileIsAnOpenError) {
  testing::TempDir dir;
  dir.write("passwd", "broken line\n");
  EXPECT_EQ(open_err("unix:passwd.byname", OpenContext{dir.path(), dir.file("passwd"), false}),
            "table \"unix:passwd.byname\": " + dir.file("passwd") +
                ":1: expected 7 colon-separated passwd(5) fields");
}

TEST(MapList, SearchesInOrderAndStopsAtTheFirstHit) {
  auto l = MapList::open({"inline:{ a=first }", "inline:{ a=second, b=only2 }", "fail:x"}, {});
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(*l->find("a"), Found("first"));
  EXPECT_EQ(*l->find("b"), Found("only2"));
  auto miss = l->find("c");  // reaches fail:x
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.error().message, "table fail:x lookup error");
}

TEST(MapList, ErrorBeforeAHitIsAnError) {
  auto l = MapList::open({"fail:x", "inline:{ a=1 }"}, {});
  ASSERT_TRUE(l.ok());
  EXPECT_FALSE(l->find("a").ok());
}

TEST(MapList, EmptyListFindsNothing) {
  auto l = MapList::open({}, {});
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->empty());
  EXPECT_EQ(*l->find("a"), std::nullopt);
}

TEST(MapList, OpenFailsOnTheFirstBadTable) {
  auto l = MapList::open({"inline:{ a=1 }", "pcre:/x"}, {});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message.rfind("table \"pcre:/x\": ", 0), 0u);
}

}  // namespace
}  // namespace tern::maps
