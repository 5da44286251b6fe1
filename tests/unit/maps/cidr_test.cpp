// cidr: tables (cidr_table(5)): file order, bare addresses, IPv4 and IPv6, brackets,
// negation, if/endif, literal results, and open-time errors.
#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "maps/pattern_tables.hpp"
#include "map_test_util.hpp"

namespace tern::maps {
namespace {

using test::expect_error;
using test::expect_table;
using test::lookup;

std::unique_ptr<Lookup> table(std::string_view text) {
  return expect_table(parse_cidr_table("cidr:/etc/t", text, "/etc/t"));
}

std::string error(std::string_view text) {
  return expect_error(parse_cidr_table("cidr:/etc/t", text, "/etc/t"));
}

TEST(CidrTable, ManPageExampleInFileOrder) {
  auto t = table(
      "# Rule order matters.\n"
      "192.168.1.1             OK\n"
      "192.168.0.0/16          REJECT\n"
      "2001:db8::1             OK\n"
      "2001:db8::/32           REJECT\n");
  EXPECT_EQ(lookup(t.get(), "192.168.1.1"), "OK");
  EXPECT_EQ(lookup(t.get(), "192.168.7.9"), "REJECT");
  EXPECT_EQ(lookup(t.get(), "192.169.0.1"), std::nullopt);
  EXPECT_EQ(lookup(t.get(), "2001:db8::1"), "OK");
  EXPECT_EQ(lookup(t.get(), "2001:0DB8:0000::0001"), "OK");  // compared in binary
  EXPECT_EQ(lookup(t.get(), "2001:db8:ffff::2"), "REJECT");
  EXPECT_EQ(lookup(t.get(), "2001:db9::1"), std::nullopt);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->fixed_keys());
}

TEST(CidrTable, BracketsEverywhereAndNonAddressKeys) {
  auto t = table("[2001:db8::]/32  v6\n[10.0.0.0]/8  v4\n0.0.0.0/0  any4\n::/0  any6\n");
  EXPECT_EQ(lookup(t.get(), "[2001:db8::5]"), "v6");
  EXPECT_EQ(lookup(t.get(), "10.1.2.3"), "v4");
  EXPECT_EQ(lookup(t.get(), "8.8.8.8"), "any4");
  EXPECT_EQ(lookup(t.get(), "fe80::1"), "any6");
  EXPECT_EQ(lookup(t.get(), "mail.example.com"), std::nullopt);
  EXPECT_EQ(lookup(t.get(), ""), std::nullopt);
}

TEST(CidrTable, ResultsAreLiteral) {
  auto t = table("10.0.0.0/8  550 $1 costs $$5, { braces }\n");
  EXPECT_EQ(lookup(t.get(), "10.0.0.1"), "550 $1 costs $$5, { braces }");
}

TEST(CidrTable, NegationAndNestedIf) {
  auto t = table(
      "if 10.0.0.0/8\n"
      "if !10.1.0.0/16\n"
      "10.2.0.0/16  inner\n"
      "!10.2.0.0/16 not-10.2\n"
      "endif\n"
      "10.0.0.0/8  in-10.1\n"
      "endif\n"
      "!192.0.2.0/24  outside\n");
  EXPECT_EQ(lookup(t.get(), "10.2.3.4"), "inner");
  EXPECT_EQ(lookup(t.get(), "10.3.3.4"), "not-10.2");
  EXPECT_EQ(lookup(t.get(), "10.1.3.4"), "in-10.1");
  EXPECT_EQ(lookup(t.get(), "172.16.0.1"), "outside");
  EXPECT_EQ(lookup(t.get(), "192.0.2.1"), std::nullopt);
  // A key that is no address is not found, whatever the negated rules say.
  EXPECT_EQ(lookup(t.get(), "not-an-address"), std::nullopt);
}

TEST(CidrTable, BadLinesNameFileLineAndProblem) {
  EXPECT_EQ(error("10.0.0.0/8 ok\n192.168.1.1/16 x\n"),
            "/etc/t:2: non-null host address bits in \"192.168.1.1/16\", perhaps you mean "
            "\"192.168.0.0/16\" instead");
  EXPECT_EQ(error("2001:db8::1/32 x\n"),
            "/etc/t:1: non-null host address bits in \"2001:db8::1/32\", perhaps you mean "
            "\"[2001:db8::]/32\" instead");
  EXPECT_EQ(error("10.0.0.0/33 x\n"), "/etc/t:1: bad network prefix length: \"10.0.0.0/33\"");
  EXPECT_EQ(error("mail.example.com OK\n"), "/etc/t:1: bad network address: \"mail.example.com\"");
  EXPECT_EQ(error("10.0.0.0/8\n"), "/etc/t:1: missing result after pattern");
  EXPECT_EQ(error("if 10.0.0.0/8\n"), "/etc/t:1: \"if\" without matching \"endif\"");
  EXPECT_EQ(error("endif\n"), "/etc/t:1: \"endif\" without matching \"if\"");
  EXPECT_EQ(error("if 10.0.0.0/8 OK\nendif\n"),
            "/etc/t:1: extra text after \"if\" pattern: \"OK\" (do not indent rules between "
            "\"if\" and \"endif\")");
  EXPECT_EQ(error("!\n"), "/etc/t:1: missing network pattern");
}

TEST(CidrTable, OpensFilesAndInlineRules) {
  testing::TempDir dir;
  dir.write("clients.cidr", "192.0.2.0/24 REJECT\n");
  auto f = expect_table(open_map("cidr:" + dir.file("clients.cidr"), {}));
  EXPECT_EQ(lookup(f.get(), "192.0.2.9"), "REJECT");
  auto in = expect_table(open_map("cidr:{ {192.0.2.1 OK}, {192.0.2.0/24 REJECT} }", {}));
  EXPECT_EQ(lookup(in.get(), "192.0.2.1"), "OK");
  EXPECT_EQ(lookup(in.get(), "192.0.2.2"), "REJECT");
}

}  // namespace
}  // namespace tern::maps
