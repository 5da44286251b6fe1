// Third-party DKIM vectors (tests/data/): dkimpy's RFC 6376 / RFC 8463 messages and keys
// and Stalwart mail-auth's "must verify" messages, with their key records served by an
// in-memory resolver. Each vector file's README says what its upstream asserts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/strings.hpp"
#include "dkim/verify.hpp"
#include "dns/memory_resolver.hpp"

namespace tern::dkim {
namespace {

std::string data_file(const std::string& rel) {
  std::ifstream f(std::string(TERN_SOURCE_DIR) + "/tests/data/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// "owner rdata" lines (blank lines and # comments skipped) into the resolver.
void add_records(dns::MemoryResolver& r, std::string_view lines) {
  for (auto line : split_any(lines, "\n")) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.find(' ');
    ASSERT_TRUE(r.add(line.substr(0, sp), "TXT", line.substr(sp + 1)).ok()) << line;
  }
}

VerifyOptions at(int64_t now) {
  VerifyOptions o;
  o.now = now;
  return o;
}

// Upstream fixes the clock at 1667843664 for x= but never checks t= against it, and 004 was
// signed at t=1667862801; 1667900000 is after every t= and before 005's x=1667930064.
constexpr int64_t kMailAuthTime = 1667900000;

TEST(DkimVectors, MailAuthMustVerify) {
  for (const char* n : {"001", "002", "003", "004", "005", "006"}) {
    std::string text = data_file(std::string("mail-auth/dkim/") + n + ".txt");
    ASSERT_FALSE(text.empty()) << n;
    size_t split = text.find("\n\n");
    dns::MemoryResolver r;
    add_records(r, std::string_view(text).substr(0, split));
    auto res = verify_message(std::string_view(text).substr(split + 2), r, at(kMailAuthTime));
    ASSERT_FALSE(res.empty()) << n;
    EXPECT_EQ(res.back().result, Outcome::pass) << n << ": " << res.back().reason;
  }
}

TEST(DkimVectors, MailAuth001EverySignaturePasses) {
  std::string text = data_file("mail-auth/dkim/001.txt");
  size_t split = text.find("\n\n");
  dns::MemoryResolver r;
  add_records(r, std::string_view(text).substr(0, split));
  auto res = verify_message(std::string_view(text).substr(split + 2), r, at(kMailAuthTime));
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(res[0].result, Outcome::pass) << res[0].reason;
  EXPECT_EQ(res[1].result, Outcome::pass) << res[1].reason;
  EXPECT_EQ(res[1].key_bits, 1024);
}

TEST(DkimVectors, MailAuth005ExpiresWithTheRealClock) {
  std::string text = data_file("mail-auth/dkim/005.txt");
  size_t split = text.find("\n\n");
  dns::MemoryResolver r;
  add_records(r, std::string_view(text).substr(0, split));
  auto res = verify_message(std::string_view(text).substr(split + 2), r, at(1667930064 + 301));
  EXPECT_EQ(res.back().result, Outcome::neutral);
  EXPECT_EQ(res.back().reason, "signature expired");
  // Within dkim_clock_skew it still passes.
  res = verify_message(std::string_view(text).substr(split + 2), r, at(1667930064 + 299));
  EXPECT_EQ(res.back().result, Outcome::pass);
}

class DkimpyData : public ::testing::Test {
 protected:
  void SetUp() override { add_records(r, data_file("dkimpy-data/extra-dns-records.txt")); }
  dns::MemoryResolver r;
};

TEST_F(DkimpyData, Rfc8463SignedExampleBothPass) {
  auto res = verify_message(data_file("dkimpy-data/rfc6376.signed.msg"), r, {});
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(res[0].selector, "brisbane");
  EXPECT_EQ(res[0].result, Outcome::pass) << res[0].reason;
  EXPECT_EQ(res[1].algorithm, "rsa-sha256");
  EXPECT_EQ(res[1].result, Outcome::pass) << res[1].reason;
  EXPECT_EQ(res[1].domain, "football.example.com");
}

TEST_F(DkimpyData, EximEd25519AndGmailDegenerateFolding) {
  add_records(r, "sed._domainkey.test.ex " + first_line(data_file("dkimpy-data/eximtest.dns")));
  auto exim = verify_message(data_file("dkimpy-data/ed25519test2.msg"), r, {});
  ASSERT_FALSE(exim.empty());
  EXPECT_EQ(exim.front().result, Outcome::pass) << exim.front().reason;
  auto gmail = verify_message(data_file("dkimpy-data/test2.message"), r, {});
  ASSERT_FALSE(gmail.empty());
  EXPECT_EQ(gmail.front().result, Outcome::pass) << gmail.front().reason;
  EXPECT_EQ(gmail.front().key_bits, 2048);
}

// dkimpy's l= signature (tests/data/dkim-length/README.md): l=27 covers "First line.\r\n"
// and "Second line.\r\n" relaxed; more body may follow, less may not.
TEST_F(DkimpyData, LengthTagFromDkimpy) {
  std::string msg = data_file("dkim-length/length.msg");
  ASSERT_FALSE(msg.empty());
  EXPECT_EQ(verify_message(msg, r, {})[0].result, Outcome::pass) << verify_message(msg, r, {})[0].reason;
  EXPECT_EQ(verify_message(msg + "appended by a list\n", r, {})[0].result, Outcome::pass);
  std::string shorter = msg.substr(0, msg.rfind("Second"));
  EXPECT_EQ(verify_message(shorter, r, {})[0].reason, "l= is longer than the body");
  std::string changed = msg;
  changed.replace(changed.find("Second"), 6, "Fourth");
  EXPECT_EQ(verify_message(changed, r, {})[0].reason, "body hash mismatch");
}

// The RFC 8463 message's RSA signature against the variant key records dkimpy tests.
TEST(DkimpyVariants, BadKeyRecords) {
  std::string msg = data_file("dkimpy-data/rfc6376.signed.msg");
  struct Case {
    const char* file;
    Outcome want;
  };
  for (Case c : {Case{"test.txt", Outcome::pass}, Case{"test_bad.txt", Outcome::permerror},
                 Case{"badversion.txt", Outcome::permerror}, Case{"badk.txt", Outcome::permerror},
                 Case{"test_tlsrpt.txt", Outcome::permerror}}) {
    dns::MemoryResolver r;
    r.add_txt("test._domainkey.football.example.com", {first_line(data_file(std::string("dkimpy-data/") + c.file))});
    r.fail("brisbane._domainkey.football.example.com", dns::Type::TXT);
    auto res = verify_message(msg, r, {});
    ASSERT_EQ(res.size(), 2u);
    EXPECT_EQ(res[0].result, Outcome::temperror);
    EXPECT_EQ(res[1].result, c.want) << c.file << ": " << res[1].reason;
  }
}

}  // namespace
}  // namespace tern::dkim
