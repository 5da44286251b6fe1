// TLS policy table entries and lookup keys (delivery/smtp/tls_policy.hpp).
#include "delivery/smtp/tls_policy.hpp"

#include <gtest/gtest.h>

namespace tern::delivery::smtp {
namespace {

TEST(SmtpTlsPolicy, LevelsAndAttributes) {
  auto p = parse_policy_entry("secure match=example.org:.example.org protocols=>=TLSv1.2 ciphers=high");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->level, TlsLevel::secure);
  EXPECT_EQ(p->match, (std::vector<std::string>{"example.org", ".example.org"}));
  ASSERT_TRUE(p->protocols);
  EXPECT_EQ(*p->protocols, std::vector<std::string>{">=TLSv1.2"});
  EXPECT_EQ(*p->ciphers, "high");
  EXPECT_TRUE(p->needs_verification());

  p = parse_policy_entry("  encrypt  ");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->level, TlsLevel::encrypt);
  EXPECT_TRUE(p->required());
  EXPECT_FALSE(p->needs_verification());

  p = parse_policy_entry("dane-only");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->level, TlsLevel::dane_only);
  p = parse_policy_entry("may servername=hostname");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->required());
}

TEST(SmtpTlsPolicy, MalformedEntries) {
  for (const char* bad : {"", "sometimes", "encrypt match=x", "secure match", "secure =x", "secure match=",
                          "verify colour=blue"}) {
    EXPECT_FALSE(parse_policy_entry(bad)) << bad;
  }
  EXPECT_EQ(parse_policy_entry("sometimes").error().message, "invalid TLS security level \"sometimes\"");
}

TEST(SmtpTlsPolicy, LookupKeys) {
  auto n = parse_nexthop("mail.example.org", "smtp", false);
  EXPECT_EQ(lookup_keys("mail.example.org", *n),
            (std::vector<std::string>{"mail.example.org", "mail.example.org:25", ".example.org", ".org"}));
  n = parse_nexthop("[relay.example]:587", "smtp", false);
  EXPECT_EQ(lookup_keys("[relay.example]:587", *n), std::vector<std::string>{"[relay.example]:587"});
}

}  // namespace
}  // namespace tern::delivery::smtp
