// Canonicalization (RFC 6376 §3.4), with the RFC's own example (§3.4.6), LF and CRLF
// input alike, empty bodies and streaming in odd-sized chunks.
#include "dkim/canon.hpp"

#include <gtest/gtest.h>

namespace tern::dkim {
namespace {

TEST(DkimCanon, RfcExampleHeaders) {
  EXPECT_EQ(canon_header(Canon::relaxed, "A: X"), "a:X");
  EXPECT_EQ(canon_header(Canon::relaxed, "B : Y\t\r\n\tZ  "), "b:Y Z");
  EXPECT_EQ(canon_header(Canon::simple, "B : Y\t\r\n\tZ  "), "B : Y\t\r\n\tZ  ");
  EXPECT_EQ(canon_header(Canon::simple, "B : Y\n\tZ"), "B : Y\r\n\tZ");  // LF counts as CRLF
  EXPECT_EQ(canon_header(Canon::relaxed, "Subject:"), "subject:");
  EXPECT_EQ(canon_header(Canon::relaxed, "Broken"), "broken:");
  EXPECT_EQ(canon_header(Canon::relaxed, "Na\rme : v\r"), "name:v");  // stray CRs (found by fuzzing)
}

TEST(DkimCanon, RfcExampleBody) {
  std::string body = " C \r\nD \t E\r\n\r\n\r\n";
  EXPECT_EQ(canon_body(Canon::relaxed, body), " C\r\nD E\r\n");
  EXPECT_EQ(canon_body(Canon::simple, body), " C \r\nD \t E\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, " C \nD \t E\n\n\n"), " C\r\nD E\r\n");
}

TEST(DkimCanon, EmptyAndUnterminatedBodies) {
  EXPECT_EQ(canon_body(Canon::simple, ""), "\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, ""), "");
  EXPECT_EQ(canon_body(Canon::simple, "\r\n\r\n"), "\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, " \t\n\n"), "");
  EXPECT_EQ(canon_body(Canon::simple, "last"), "last\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, "a\n\nb  "), "a\r\n\r\nb\r\n");
  EXPECT_EQ(canon_body(Canon::simple, " \n"), " \r\n");  // whitespace is content in simple
}

TEST(DkimCanon, StreamingMatchesWhole) {
  std::string body = "Hello  there\r\n\r\n  indented\t\r\nlast line \r\n\r\n\r\n";
  for (Canon c : {Canon::simple, Canon::relaxed}) {
    for (size_t step = 1; step < 7; ++step) {
      std::string out;
      BodyCanonicalizer b(c, [&out](std::string_view s) { out.append(s); });
      for (size_t i = 0; i < body.size(); i += step) b.update(std::string_view(body).substr(i, step));
      b.finish();
      EXPECT_EQ(out, canon_body(c, body)) << canon_name(c) << " step " << step;
    }
  }
}

TEST(DkimCanon, ParsesCTag) {
  EXPECT_EQ(parse_canon("relaxed")->second, Canon::simple);  // body defaults to simple
  EXPECT_EQ(parse_canon("simple/relaxed")->second, Canon::relaxed);
  EXPECT_FALSE(parse_canon("relaxed/").ok());
  EXPECT_FALSE(parse_canon("nofws").ok());
  EXPECT_FALSE(parse_canon("").ok());
}

}  // namespace
}  // namespace tern::dkim
