// The password file: parsing (passwd-file extras, {SCHEME} prefixes, bad lines) and the
// `tern` back end verifying real crypt(3) hashes made here, re-reading on change.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include "../temp_dir.hpp"
#include "sasl/backend.hpp"
#include "sasl/passwd_backend.hpp"
#include "sasl/passwd_file.hpp"
#include "sasl_test_util.hpp"

namespace tern::sasl {
namespace {

using tern::testing::TempDir;
using testing::make_hash;
using testing::run_on;

TEST(PasswdFile, ParsesUsersSchemesAndExtraFields) {
  auto t = parse_passwd(
      "# comment\n"
      "\n"
      "alice:$6$salt$hash\n"
      "bob:{SHA512-CRYPT}$6$s$h:1000:1000::/home/bob::userdb_quota_rule=*:storage=1G\n"
      "carol:{BLF-CRYPT}$2b$05$abcdefghijklmnopqrstuv\r\n"
      "dave:{crypt}$y$j9T$salt$hash\n"
      "erin:!locked\n"
      "frank:abcdefghijklm\n",
      "users");
  EXPECT_TRUE(t.warnings.empty()) << t.warnings.front();
  EXPECT_EQ(t.users.size(), 6u);
  EXPECT_EQ(t.users["alice"], "$6$salt$hash");
  EXPECT_EQ(t.users["bob"], "$6$s$h");
  EXPECT_EQ(t.users["carol"], "$2b$05$abcdefghijklmnopqrstuv");
  EXPECT_EQ(t.users["dave"], "$y$j9T$salt$hash");
}

TEST(PasswdFile, BadLinesAreNamedAndSkipped) {
  auto t = parse_passwd(
      "alice:$6$salt$hash\n"
      "no colon here\n"
      ":$6$salt$hash\n"
      "bob:\n"
      "carol:{PLAIN}secret\n"
      "dave:{SHA512-CRYPT\n"
      "erin:not a hash\n"
      "alice:$6$other$hash\n"
      "fred:$\n",
      "/etc/tern/sasl_passwd");
  EXPECT_EQ(t.users.size(), 1u);
  EXPECT_EQ(t.users["alice"], "$6$salt$hash");  // the first one wins
  ASSERT_EQ(t.bad_lines, 8u);
  EXPECT_EQ(t.warnings[0], "/etc/tern/sasl_passwd:2: missing ':' between user and password hash, line skipped");
  EXPECT_EQ(t.warnings[1], "/etc/tern/sasl_passwd:3: empty user name, line skipped");
  EXPECT_EQ(t.warnings[2], "/etc/tern/sasl_passwd:4: empty password hash, line skipped");
  EXPECT_NE(t.warnings[3].find(":5: unsupported password scheme {PLAIN}"), std::string::npos);
  EXPECT_NE(t.warnings[6].find(":8: duplicate user alice"), std::string::npos);
}

TEST(PasswdFile, CryptVerifySha512) {
  std::string h = make_hash("$6$", "correct horse");
  ASSERT_TRUE(h.starts_with("$6$")) << h;
  EXPECT_TRUE(crypt_verify("correct horse", h));
  EXPECT_FALSE(crypt_verify("correct horsE", h));
  EXPECT_FALSE(crypt_verify("", h));
  EXPECT_FALSE(crypt_verify("correct horse", "!" + h));
  EXPECT_FALSE(crypt_verify("x", "*"));
  EXPECT_FALSE(crypt_verify(std::string("correct horse\0x", 15), h));
}

TEST(PasswdFile, CryptVerifyYescryptAndBcrypt) {
  std::string y = make_hash("$y$", "pw");
  if (y.empty()) GTEST_FAIL() << "libcrypt here lacks yescrypt ($y$), Debian's default";
  EXPECT_TRUE(crypt_verify("pw", y));
  EXPECT_FALSE(crypt_verify("pW", y));
  std::string b = make_hash("$2b$", "pw");
  ASSERT_FALSE(b.empty());
  EXPECT_TRUE(crypt_verify("pw", b));
  EXPECT_FALSE(crypt_verify("px", b));
}

TEST(PasswdFile, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

class PasswdBackendTest : public ::testing::Test {
 protected:
  AuthResult verify(PasswdBackend& b, std::string user, std::string pw, std::string authzid = {}) {
    Credentials c{std::move(authzid), std::move(user), std::move(pw)};
    return run_on(io_, b.verify("PLAIN", c));
  }
  TempDir dir_;
  asio::io_context io_;
};

TEST_F(PasswdBackendTest, VerifiesOnThePool) {
  dir_.write("passwd", "alice:{SHA512-CRYPT}" + make_hash("$6$", "s3cret") + "\n" +
                           "bob:" + make_hash("$y$", "hunter2") + ":1001:1001::/home/bob::\n" +
                           "broken line\n");
  PasswdBackend b(dir_.file("passwd"));
  ASSERT_TRUE(b.load().ok());
  EXPECT_EQ(b.users(), 2u);
  EXPECT_EQ(b.bad_lines(), 1u);
  EXPECT_EQ(b.mechanisms(), (std::vector<std::string>{"PLAIN", "LOGIN"}));
  EXPECT_FALSE(b.allows_proxy());

  AuthResult ok = verify(b, "alice", "s3cret");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.username, "alice");
  EXPECT_EQ(result_reply(ok).wire(), "235 2.7.0 Authentication successful\r\n");
  EXPECT_TRUE(verify(b, "bob", "hunter2").ok());

  AuthResult bad = verify(b, "alice", "wrong");
  EXPECT_EQ(bad.kind, AuthResult::Kind::fail);
  EXPECT_EQ(result_reply(bad).wire(), "535 5.7.8 Error: authentication failed: authentication failure\r\n");
  AuthResult unknown = verify(b, "mallory", "s3cret");
  EXPECT_EQ(unknown.kind, AuthResult::Kind::fail);
  EXPECT_EQ(unknown.reason, bad.reason);  // no hint which user names exist
  EXPECT_EQ(verify(b, "alice", "s3cret", "bob").kind, AuthResult::Kind::fail);
  EXPECT_TRUE(verify(b, "alice", "s3cret", "alice").ok());
}

TEST_F(PasswdBackendTest, RereadsWhenTheFileChanges) {
  dir_.write("passwd", "alice:" + make_hash("$6$", "one") + "\n");
  PasswdBackend b(dir_.file("passwd"));
  ASSERT_TRUE(b.load().ok());
  EXPECT_TRUE(verify(b, "alice", "one").ok());
  dir_.write("passwd", "alice:" + make_hash("$6$", "two") + "\ncarol:" + make_hash("$6$", "three") + "\n");
  struct utimbuf later {time(nullptr) + 10, time(nullptr) + 10};  // a distinct mtime
  ASSERT_EQ(::utime(dir_.file("passwd").c_str(), &later), 0);
  EXPECT_FALSE(verify(b, "alice", "one").ok());
  EXPECT_TRUE(verify(b, "alice", "two").ok());
  EXPECT_TRUE(verify(b, "carol", "three").ok());
  // A vanished file keeps the last good table.
  std::remove(dir_.file("passwd").c_str());
  EXPECT_TRUE(verify(b, "carol", "three").ok());
}

TEST_F(PasswdBackendTest, MissingFileIsAnError) {
  PasswdBackend b(dir_.file("nope"));
  auto s = b.load();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("smtpd_sasl_path: cannot access password file"), std::string::npos);
}

TEST_F(PasswdBackendTest, FactoryChoosesByType) {
  dir_.write("passwd", "alice:" + make_hash("$6$", "pw") + "\n");
  config::Params p;
  p.smtpd_sasl_type = "tern";
  p.smtpd_sasl_path = "passwd";
  p.config_directory = dir_.path();
  auto b = make_backend(io_, p);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(mechanism_options(**b, p).allow_proxy, false);

  p.smtpd_sasl_type = "cyrus";
  auto c = make_backend(io_, p);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "smtpd_sasl_type = cyrus: not supported by Tern (no Cyrus SASL); use \"dovecot\" "
            "(Dovecot's auth socket in smtpd_sasl_path) or \"tern\" (a file of user:crypt-hash "
            "lines in smtpd_sasl_path)");
  p.smtpd_sasl_type = "tern";
  p.smtpd_sasl_path = "missing";
  EXPECT_FALSE(make_backend(io_, p).ok());
}

}  // namespace
}  // namespace tern::sasl
