// The _smtp._tls record (RFC 8460 §3): valid forms, the record selection, and refusals of
// everything the grammar does not allow.
#include "tlsrpt/record.hpp"

#include <gtest/gtest.h>

namespace tern::tlsrpt {
namespace {

TEST(TlsrptRecord, ParsesMailtoAndHttps) {
  auto r = parse_record("v=TLSRPTv1; rua=mailto:reports@example.com");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rua, std::vector<std::string>{"mailto:reports@example.com"});
  r = parse_record("v=TLSRPTv1;rua=mailto:a@example.com , https://reports.example.com/v1/tlsrpt;");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rua, (std::vector<std::string>{"mailto:a@example.com", "https://reports.example.com/v1/tlsrpt"}));
  r = parse_record("v=TLSRPTv1 ; ext_1.x=va-lue; rua=https://r.example");  // extensions are ignored
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rua.size(), 1u);
}

TEST(TlsrptRecord, RefusesMalformed) {
  EXPECT_FALSE(parse_record("").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1").ok());                          // no rua
  EXPECT_FALSE(parse_record("v=TLSRPTv1;").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv2; rua=mailto:a@b").ok());
  EXPECT_FALSE(parse_record("rua=mailto:a@b; v=TLSRPTv1").ok());          // version first
  EXPECT_FALSE(parse_record("v=TLSRPTv1 rua=mailto:a@b").ok());           // no delimiter
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a@b,").ok());         // empty URI
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a@b; rua=mailto:c@d").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=http://r.example/").ok());   // only mailto: and https:
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=ftp://r.example/").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:nobody").ok());       // not an address
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:@example.com").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=https://").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=https:///path").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a b@c").ok());        // space inside a URI
  EXPECT_FALSE(parse_record(std::string("v=TLSRPTv1; rua=mailto:a@b\x01")).ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a@b;; x=1").ok());    // empty field
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a@b; novalue").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a@b; _x=1").ok());    // ext name starts alnum
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a@b; x=").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a@b; x=a=b").ok());
  EXPECT_FALSE(parse_record("v=TLSRPTv1; rua=mailto:a@b; " + std::string(33, 'x') + "=1").ok());
}

TEST(TlsrptRecord, SelectsExactlyOne) {
  auto r = select_record({"v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@example.com"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rua[0], "mailto:a@example.com");
  EXPECT_FALSE(select_record({}).ok());
  EXPECT_FALSE(select_record({"v=spf1 -all"}).ok());
  EXPECT_FALSE(select_record({"v=TLSRPTv1; rua=mailto:a@b", "v=TLSRPTv1; rua=mailto:c@d"}).ok());
  EXPECT_FALSE(select_record({"v=TLSRPTv1; rua=gopher://x"}).ok());  // the one left must parse
  EXPECT_FALSE(select_record({"v=TLSRPTv1 ; rua=mailto:a@b"}).ok());  // must begin "v=TLSRPTv1;"
}

}  // namespace
}  // namespace tern::tlsrpt
