// qshape's table (queue/shape): domain normalisation, buckets, heading widths, row order,
// parent domains and long-name truncation, as Postfix's qshape prints them.
#include <gtest/gtest.h>

#include "queue/shape.hpp"

namespace tern::queue {
namespace {

TEST(ShapeDomain, Normalises) {
  EXPECT_EQ(shape_domain("User@Example.COM"), "example.com");
  EXPECT_EQ(shape_domain(""), "MAILER-DAEMON");
  EXPECT_EQ(shape_domain("a@b@c.test"), "c.test");        // after the last '@'
  EXPECT_EQ(shape_domain("x@a..b.test"), "a.b.test");
  EXPECT_EQ(shape_domain("x@.a.test."), "a.test");
  EXPECT_EQ(shape_domain("x@"), "");
  EXPECT_EQ(shape_domain("x@."), ".");
  EXPECT_EQ(shape_domain("localuser"), "localuser");
}

TEST(Shape, Buckets) {
  Shape s({});
  EXPECT_EQ(s.bucket(0), 1);
  EXPECT_EQ(s.bucket(299), 1);
  EXPECT_EQ(s.bucket(300), 2);   // [5,10) minutes
  EXPECT_EQ(s.bucket(599), 2);
  EXPECT_EQ(s.bucket(600), 3);   // [10,20)
  EXPECT_EQ(s.bucket(1200), 4);
  EXPECT_EQ(s.bucket(1e9), 10);  // the open-ended last bucket
  ShapeOptions lin;
  lin.linear = true;
  Shape l(lin);
  EXPECT_EQ(l.bucket(300), 2);
  EXPECT_EQ(l.bucket(900), 4);
}

TEST(Shape, EmptyTable) {
  Shape s({});
  EXPECT_EQ(s.table(),
            "                                         T  5 10 20 40 80 160 320 640 1280 1280+\n"
            "                                  TOTAL  0  0  0  0  0  0   0   0   0    0     0\n");
}

TEST(Shape, RowsByCountThenLength) {
  Shape s({});
  s.add(0, {"a@example.com", "b@example.com", "c@x.test"});
  s.add(700, {"d@x.test"});
  s.add(100000, {"e@longer-name.test"});
  EXPECT_EQ(s.table(),
            "                                         T  5 10 20 40 80 160 320 640 1280 1280+\n"
            "                                  TOTAL  5  3  0  1  0  0   0   0   0    0     1\n"
            "                                 x.test  2  1  0  1  0  0   0   0   0    0     0\n"
            "                            example.com  2  2  0  0  0  0   0   0   0    0     0\n"
            "                       longer-name.test  1  0  0  0  0  0   0   0   0    0     1\n");
}

TEST(Shape, ParentsNeedMinimumSubdomains) {
  ShapeOptions o;
  o.parents = true;
  o.min_subdomains = 2;
  Shape s(o);
  s.add(0, {"u@a.mx.example.com", "u@b.mx.example.com", "u@c.other.test"});
  std::string t = s.table();
  EXPECT_NE(t.find(" .mx.example.com  2"), std::string::npos) << t;
  EXPECT_EQ(t.find(" .example.com "), std::string::npos) << t;  // one subdomain: .mx
  EXPECT_EQ(t.find(" .other.test "), std::string::npos) << t;  // one subdomain only
  EXPECT_EQ(t.find(" .com "), std::string::npos) << t;       // never a TLD
}

TEST(Shape, LongDomainsAreCutFromTheLeftAndWideCountsWidenColumns) {
  ShapeOptions o;
  o.buckets = 2;
  Shape s(o);
  std::vector<std::string> many(1234, "x@" + std::string(90, 'd') + ".test");
  s.add(0, many);
  std::string t = s.table();
  // "1234" makes the T and 5 columns 5 wide; "5+" gets 3. The domain field is 80 - 13.
  EXPECT_EQ(t.substr(0, t.find('\n')), std::string(67, ' ') + "    T    5 5+");
  EXPECT_NE(t.find("\n+" + std::string(61, 'd') + ".test 1234 1234  0\n"), std::string::npos) << t;
}

TEST(Shape, TopDomainsLimitCountsTheTotalRow) {
  ShapeOptions o;
  o.top_domains = 2;
  Shape s(o);
  s.add(0, {"a@one.test", "b@two.test", "c@two.test"});
  std::string t = s.table();
  EXPECT_NE(t.find("two.test"), std::string::npos);
  EXPECT_EQ(t.find("one.test"), std::string::npos);
}

}  // namespace
}  // namespace tern::queue
