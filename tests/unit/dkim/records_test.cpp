// DKIM-Signature fields and key records: what §6.1.1 and §3.6.1 require, refused with a
// reason when missing or malformed.
#include <gtest/gtest.h>

#include "dkim/header_fields.hpp"
#include "dkim/key_record.hpp"
#include "dkim/signature.hpp"

namespace tern::dkim {
namespace {

constexpr const char* kGood =
    " v=1; a=rsa-sha256; c=relaxed/simple; d=example.org; s=sel;\n\ti=joe@mail.example.org; "
    "h=From:Subject:from; l=12; t=100; x=200; bh=YWJj; b=ZGVm\n\t Z2g=";

TEST(DkimSignature, ParsesEveryTag) {
  auto s = parse_signature(kGood);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->algorithm, Algorithm::rsa_sha256);
  EXPECT_EQ(s->header_canon, Canon::relaxed);
  EXPECT_EQ(s->body_canon, Canon::simple);
  EXPECT_EQ(s->domain, "example.org");
  EXPECT_EQ(s->key_name(), "sel._domainkey.example.org");
  EXPECT_EQ(s->identity, "joe@mail.example.org");
  EXPECT_EQ(s->headers, (std::vector<std::string>{"From", "Subject", "from"}));
  EXPECT_EQ(*s->length, 12u);
  EXPECT_EQ(*s->timestamp, 100);
  EXPECT_EQ(*s->expiration, 200);
  EXPECT_EQ(s->body_hash, "abc");
  EXPECT_EQ(s->signature, "defgh");
  EXPECT_EQ(s->b_text, "ZGVmZ2g=");
}

TEST(DkimSignature, DefaultsWhenOptionalTagsAreAbsent) {
  auto s = parse_signature("v=1; a=ed25519-sha256; d=example.org; s=x; h=from; bh=YWJj; b=ZGVm");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->identity, "@example.org");
  EXPECT_EQ(s->header_canon, Canon::simple);
  EXPECT_EQ(s->body_canon, Canon::simple);
  EXPECT_FALSE(s->length);
}

TEST(DkimSignature, RefusesWhatSection611Refuses) {
  std::string base = "a=rsa-sha256; d=example.org; s=x; bh=YWJj; b=ZGVm; ";
  for (std::string bad : {
           base + "h=from",                              // no v=
           base + "v=2; h=from",                         // wrong version
           base + "v=1; h=to:subject",                   // From not signed
           base + "v=1; h=from; i=joe@example.com",      // i= outside d=
           base + "v=1; h=from; i=joe@badexample.org",   // not a subdomain either
           base + "v=1; h=from; i=nobody",               // no @
           base + "v=1; h=from; t=20; x=10",             // expires before it was made
           base + "v=1; h=from; l=-1",                   // not a number
           base + "v=1; h=from; l=99999999999999999999", // too large
           base + "v=1; h=from; q=http",                 // no dns/txt
           base + "v=1; h=from; c=fancy",                // unknown canonicalization
           std::string("v=1; a=rsa-md5; d=example.org; s=x; bh=YWJj; b=ZGVm; h=from"),
           std::string("v=1; a=rsa-sha256; d=example.org; s=x; bh=YWJj; b=not*base64; h=from"),
           std::string("v=1; a=rsa-sha256; d=example.org; s=x; bh=; b=ZGVm; h=from"),
           std::string("v=1; a=rsa-sha256; d=; s=x; bh=YWJj; b=ZGVm; h=from"),
           std::string("v=1; a=rsa-sha256; d=example.org; bh=YWJj; b=ZGVm; h=from"),
           std::string("v=1; v=1; a=rsa-sha256; d=example.org; s=x; bh=YWJj; b=ZGVm; h=from"),
       }) {
    EXPECT_FALSE(parse_signature(bad).ok()) << bad;
  }
  EXPECT_TRUE(parse_signature(base + "v=1; h=from; i=joe@Sub.Example.ORG; q=dns/txt").ok());
}

TEST(DkimKeyRecord, ParsesTagsAndFlags) {
  auto k = parse_key_record("v=DKIM1; k=ed25519; h=sha256; s=email:tlsrpt; t=y:s; p=YWJj");
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(k->type, KeyType::ed25519);
  EXPECT_EQ(k->public_key, "abc");
  EXPECT_TRUE(k->testing);
  EXPECT_TRUE(k->strict_identity);
  EXPECT_TRUE(k->allows_hash("sha256"));
  EXPECT_FALSE(k->allows_hash("sha1"));
  EXPECT_TRUE(k->allows_email());
  auto revoked = parse_key_record("v=DKIM1; p=");
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(revoked->public_key.empty());
  EXPECT_EQ(revoked->type, KeyType::rsa);
  EXPECT_FALSE(parse_key_record("s=tlsrpt; p=YWJj")->allows_email());
  EXPECT_TRUE(parse_key_record("s=*; p=YWJj")->allows_email());
}

TEST(DkimKeyRecord, MalformedRecordsAreErrors) {
  for (const char* bad : {
           "v=DKIM1: p=YWJj",           // dkimpy's badversion.txt typo
           "v=DKIM2; p=YWJj",
           "k=rsa; v=DKIM1; p=YWJj",    // v= not first
           "v=DKIM1; k=ed25519-sha256; p=YWJj",  // dkimpy's badk.txt
           "v=DKIM1; k=dsa; p=YWJj",
           "v=DKIM1; k=rsa",            // no p=
           "v=DKIM1; p=!!!",
           "v=DKIM1; p=YWJj; p=YWJj",
           "",
       }) {
    EXPECT_FALSE(parse_key_record(bad).ok()) << bad;
  }
}

TEST(DkimHeaderFields, SplitsAndSelectsBottomUp) {
  std::string msg = "From: a\nReceived: 1\nSubject : s\n\tmore\r\nReceived: 2\n\nbody\n";
  auto m = split_message(msg);
  ASSERT_EQ(m.headers.size(), 4u);
  EXPECT_EQ(m.headers[2].name, "Subject");
  EXPECT_EQ(m.headers[2].field, "Subject : s\n\tmore");
  EXPECT_EQ(m.body, "body\n");
  auto sel = select_headers(m, {"received", "received", "received", "from"});
  ASSERT_EQ(sel.size(), 3u);  // the third received has no instance left: nothing
  EXPECT_EQ(sel[0]->field, "Received: 2");
  EXPECT_EQ(sel[1]->field, "Received: 1");
  EXPECT_EQ(sel[2]->field, "From: a");
  EXPECT_EQ(split_message("From: a\n").body, "");
  EXPECT_EQ(split_message("not a header\nFrom: a\n").headers.size(), 0u);
}

}  // namespace
}  // namespace tern::dkim
