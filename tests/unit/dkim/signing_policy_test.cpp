// The signing and key tables (OpenDKIM's SigningTable/KeyTable as Tern lookup tables), and
// cleanup's signing step: lookup order, wildcards from a regexp: table, "%" domains, dual
// keys, errors that must defer, and the From address extraction.
#include "dkim/signing_policy.hpp"

#include <gtest/gtest.h>

#include "dkim/verify.hpp"
#include "dns/memory_resolver.hpp"
#include "message/dkim_sign.hpp"
#include "../temp_dir.hpp"

namespace tern::dkim {
namespace {

const std::string kData = std::string(TERN_SOURCE_DIR) + "/tests/data/dkimpy-data/";

config::Params params(std::string signing, std::string keys) {
  config::Params p;
  p.dkim_signing_table = {std::move(signing)};
  p.dkim_key_table = {std::move(keys)};
  p.dkim_canonicalization = "relaxed/simple";
  p.dkim_sign_headers = {"From", "To", "Subject"};
  p.dkim_oversign_headers = {"from"};
  return p;
}

std::string key_table() {
  return "inline:{ rsa=example.com:test:" + kData + "test.private, ed=%:ed:" + kData + "ed25519test.key, " +
         "broken=example.com:x:/nonexistent/key, bad=example.com }";
}

TEST(DkimSigningPolicy, LookupOrderAddressDomainParents) {
  testing::TempDir dir;
  dir.write("signing", "joe@example.com ed\nexample.com rsa\n.example.org rsa ed\n");
  auto pol = SigningPolicy::make(params("texthash:" + dir.file("signing"), key_table()), {});
  ASSERT_TRUE(pol.ok()) << pol.error().message;
  EXPECT_TRUE((*pol)->enabled());
  EXPECT_EQ((*pol)->options().header_canon, Canon::relaxed);
  EXPECT_EQ((*pol)->options().body_canon, Canon::simple);
  auto joe = (*pol)->keys_for("joe@example.com");
  ASSERT_TRUE(joe.ok());
  ASSERT_EQ(joe->size(), 1u);
  EXPECT_EQ((*joe)[0].domain, "example.com");  // "%": the sender's domain
  EXPECT_EQ((*joe)[0].selector, "ed");
  EXPECT_EQ(key_type((*joe)[0].key), KeyType::ed25519);
  auto ann = (*pol)->keys_for("ann@example.com");
  ASSERT_EQ(ann->size(), 1u);
  EXPECT_EQ((*ann)[0].selector, "test");
  auto sub = (*pol)->keys_for("x@mail.sub.example.org");  // parent domain entry
  ASSERT_EQ(sub->size(), 2u);
  EXPECT_EQ((*sub)[1].domain, "mail.sub.example.org");
  EXPECT_TRUE((*pol)->keys_for("x@example.net")->empty());
  EXPECT_TRUE((*pol)->keys_for("no-domain")->empty());
}

TEST(DkimSigningPolicy, RegexpTableGivesWildcards) {
  testing::TempDir dir;
  dir.write("signing", "/^bounce-.*@example\\.com$/ ed\n/@example\\.com$/ rsa\n");
  auto pol = SigningPolicy::make(params("regexp:" + dir.file("signing"), key_table()), {});
  ASSERT_TRUE(pol.ok()) << pol.error().message;
  EXPECT_EQ((*(*pol)->keys_for("bounce-7@example.com"))[0].selector, "ed");
  EXPECT_EQ((*(*pol)->keys_for("joe@example.com"))[0].selector, "test");
  EXPECT_TRUE((*pol)->keys_for("joe@example.net")->empty());
}

TEST(DkimSigningPolicy, ErrorsNameTheProblem) {
  auto pol = SigningPolicy::make(params("inline:{ a.example=nokey, b.example=broken, c.example=bad }", key_table()), {});
  ASSERT_TRUE(pol.ok());
  EXPECT_EQ((*pol)->keys_for("x@a.example").error().message, "dkim_key_table has no key named \"nokey\"");
  EXPECT_NE((*pol)->keys_for("x@b.example").error().message.find("/nonexistent/key"), std::string::npos);
  EXPECT_NE((*pol)->keys_for("x@c.example").error().message.find("domain:selector:/path/to/key"), std::string::npos);
  auto p = params("inline:{ a=b }", "");
  p.dkim_key_table.clear();
  EXPECT_FALSE(SigningPolicy::make(p, {}).ok());
  p = params("inline:{ a=b }", key_table());
  p.dkim_canonicalization = "relaxed/other";
  EXPECT_FALSE(SigningPolicy::make(p, {}).ok());
  p = params("inline:{ a=b }", key_table());
  p.dkim_sign_headers = {"to"};
  EXPECT_FALSE(SigningPolicy::make(p, {}).ok());
  EXPECT_FALSE(SigningPolicy::make(params("nosuchtype:x", key_table()), {}).ok());
  p = params("", "");
  p.dkim_signing_table.clear();
  p.dkim_key_table.clear();
  auto off = SigningPolicy::make(p, {});
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE((*off)->enabled());
}

TEST(DkimCleanupSigning, SignsOnTopAndVerifies) {
  auto pol = SigningPolicy::make(params("inline:{ { example.com = rsa, ed } }", key_table()), {});
  ASSERT_TRUE(pol.ok()) << pol.error().message;
  Message m;
  m.content = "Received: from client by us\nFrom: \"Joe, Jr.\" <joe@Example.COM>\nTo: x@example.net\n"
              "Subject: hi\n\nbody\n";
  auto r = dkim_sign(m, **pol);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->signatures.size(), 2u);
  EXPECT_EQ(r->signatures[0], "s=test, d=example.com");
  EXPECT_EQ(m.content.rfind("DKIM-Signature: v=1; a=rsa-sha256;", 0), 0u);
  dns::MemoryResolver dns;
  dns.add_txt("test._domainkey.example.com", {"p=" + public_key_record_data((*(*pol)->keys_for("a@example.com"))[0].key)});
  dns.add_txt("ed._domainkey.example.com", {"k=ed25519; p=" + public_key_record_data((*(*pol)->keys_for("a@example.com"))[1].key)});
  auto res = verify_message(m.content, dns, {});
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0].result, Outcome::pass) << res[0].reason;
  EXPECT_EQ(res[1].result, Outcome::pass) << res[1].reason;
}

TEST(DkimCleanupSigning, NothingToSignFor) {
  auto pol = SigningPolicy::make(params("inline:{ example.com=rsa }", key_table()), {});
  Message none;
  none.content = "Subject: no from\n\nbody\n";
  auto r = dkim_sign(none, **pol);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->signatures.empty());
  EXPECT_EQ(r->skipped, "no From address");
  EXPECT_EQ(none.content, "Subject: no from\n\nbody\n");
  Message other;
  other.content = "From: a@example.net\n\nbody\n";
  EXPECT_TRUE(dkim_sign(other, **pol)->signatures.empty());
  EXPECT_EQ(from_header_address("From: Joe <joe@x.example>\nFrom: b@y\n\n"), "joe@x.example");
  EXPECT_EQ(from_header_address("from: bare@x.example\n\n"), "bare@x.example");
  EXPECT_EQ(from_header_address("To: a@b\n\nFrom: body@x\n"), "");
}

}  // namespace
}  // namespace tern::dkim
