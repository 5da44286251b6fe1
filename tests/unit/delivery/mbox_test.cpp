// mbox delivery: the copy format byte for byte (From_ line, >From quoting, blank line),
// the lock methods and their lock files, the size limit, and the truncation back to the
// original size when a write fails (a real EFBIG from RLIMIT_FSIZE in a child process).
#include "delivery/mbox.hpp"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../temp_dir.hpp"

namespace tern::delivery {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class MboxFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

TEST_F(MboxFormat, PostfixLayoutByteForByte) {
  MboxCopy c;
  c.sender = "sender@example.org";
  c.when = 1763786335;  // Sat Nov 22 04:38:55 2025 UTC
  c.headers = "Return-Path: <sender@example.org>\nX-Original-To: a@x\nDelivered-To: a@x\n";
  std::string content = "Subject: hi\n\nFrom here on\n>From stays\nFrom\n From not at start\nend\n";
  EXPECT_EQ(format_copy(c, content),
            "From sender@example.org  Sat Nov 22 04:38:55 2025\n"
            "Return-Path: <sender@example.org>\nX-Original-To: a@x\nDelivered-To: a@x\n"
            "Subject: hi\n\n>From here on\n>From stays\nFrom\n From not at start\nend\n\n");
}

TEST_F(MboxFormat, NullSenderSingleDigitDayAndMissingFinalNewline) {
  MboxCopy c;
  c.when = 1762056000;  // Sun Nov  2 04:00:00 2025 UTC
  EXPECT_EQ(format_copy(c, "a: b\n\nlast line"), "From MAILER-DAEMON  Sun Nov  2 04:00:00 2025\na: b\n\nlast line\n\n");
}

TEST_F(MboxFormat, CommandCopyHasNoQuotingAndNoBlankLine) {
  MboxCopy c;
  c.sender = "s@x";
  c.when = 0;
  c.quote_from = false;
  c.blank_line = false;
  EXPECT_EQ(format_copy(c, "\nFrom me\n"), "From s@x  Thu Jan  1 00:00:00 1970\n\nFrom me\n");
  c.from_line = false;
  EXPECT_EQ(format_copy(c, "x\n"), "x\n");
}

TEST(MboxLocks, ParseMethods) {
  auto m = parse_lock_methods({"fcntl", "DOTLOCK", "flock"});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (std::vector<LockMethod>{LockMethod::fcntl, LockMethod::dotlock, LockMethod::flock}));
  auto bad = parse_lock_methods({"fcntl", "lockf"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"lockf\""), std::string::npos);
}

class MboxAppend : public ::testing::Test {
 protected:
  testing::TempDir dir;
  std::string box = dir.file("mbox");
  MboxOptions opt = fast({LockMethod::fcntl, LockMethod::dotlock});
  static MboxOptions fast(std::vector<LockMethod> locks) {
    MboxOptions o;
    o.locks = std::move(locks);
    o.lock_attempts = 3;
    o.lock_delay = 0.01;
    return o;
  }
};

TEST_F(MboxAppend, CreatesPrivateFileAppendsAndRemovesItsLockFile) {
  auto r = append_mbox(box, "one\n\n", opt);
  ASSERT_EQ(r.kind, MboxResult::Kind::written) << r.text;
  r = append_mbox(box, "two\n\n", opt);
  ASSERT_EQ(r.kind, MboxResult::Kind::written) << r.text;
  EXPECT_EQ(slurp(box), "one\n\ntwo\n\n");
  struct stat st {};
  ASSERT_EQ(::stat(box.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(box + ".lock"));
}

TEST_F(MboxAppend, FreshDotlockMeansBusyAndIsLeftAlone) {
  dir.write("mbox.lock", "");
  auto r = append_mbox(box, "x\n", opt);
  EXPECT_EQ(r.kind, MboxResult::Kind::busy);
  EXPECT_NE(r.text.find("dotlock"), std::string::npos) << r.text;
  EXPECT_TRUE(std::filesystem::exists(box + ".lock"));
  EXPECT_EQ(slurp(box), "");
}

TEST_F(MboxAppend, StaleDotlockIsRemoved) {
  dir.write("mbox.lock", "");
  struct utimbuf old {1000, 1000};
  ASSERT_EQ(::utime((box + ".lock").c_str(), &old), 0);
  auto r = append_mbox(box, "x\n", opt);
  EXPECT_EQ(r.kind, MboxResult::Kind::written) << r.text;
  EXPECT_FALSE(std::filesystem::exists(box + ".lock"));
}

TEST_F(MboxAppend, FcntlLockOfAnotherProcessMeansBusy) {
  dir.write("mbox", "old\n");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  if (pid == 0) {  // holds a classic fcntl lock, as a mail reader would
    int fd = ::open(box.c_str(), O_RDWR);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &fl) != 0) _exit(1);
    (void)!::write(ready[1], "x", 1);
    ::pause();
    _exit(0);
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  auto r = append_mbox(box, "new\n", fast({LockMethod::fcntl}));
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  EXPECT_EQ(r.kind, MboxResult::Kind::busy) << r.text;
  EXPECT_EQ(slurp(box), "old\n");
  EXPECT_EQ(append_mbox(box, "new\n", fast({LockMethod::fcntl})).kind, MboxResult::Kind::written);
}

TEST_F(MboxAppend, FlockHeldElsewhereMeansBusy) {
  dir.write("mbox", "");
  int fd = ::open(box.c_str(), O_RDWR);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  EXPECT_EQ(append_mbox(box, "x\n", fast({LockMethod::flock})).kind, MboxResult::Kind::busy);
  ::close(fd);
  EXPECT_EQ(append_mbox(box, "x\n", fast({LockMethod::flock})).kind, MboxResult::Kind::written);
}

TEST_F(MboxAppend, SizeLimitLeavesTheMailboxAlone) {
  dir.write("mbox", "12345");
  opt.size_limit = 10;
  auto r = append_mbox(box, "123456", opt);
  EXPECT_EQ(r.kind, MboxResult::Kind::too_big);
  EXPECT_EQ(slurp(box), "12345");
  EXPECT_EQ(append_mbox(box, "12345", opt).kind, MboxResult::Kind::written);
}

TEST_F(MboxAppend, SymlinkAndDirectoryAreRefused) {
  dir.write("target", "");
  std::filesystem::create_symlink(dir.file("target"), box);
  EXPECT_EQ(append_mbox(box, "x\n", opt).kind, MboxResult::Kind::bad_file);
  std::filesystem::create_directory(dir.file("d"));
  EXPECT_EQ(append_mbox(dir.file("d"), "x\n", opt).kind, MboxResult::Kind::bad_file);
  EXPECT_EQ(slurp(dir.file("target")), "");
}

TEST_F(MboxAppend, FailedWriteIsTruncatedBackToTheOriginalSize) {
  dir.write("mbox", "first message\n\n");
  pid_t pid = ::fork();
  if (pid == 0) {  // a file size limit makes the write fail half way with EFBIG
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl {20, 20};
    ::setrlimit(RLIMIT_FSIZE, &rl);
    auto r = append_mbox(box, std::string(100, 'x'), opt);
    _exit(r.kind == MboxResult::Kind::too_big ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(slurp(box), "first message\n\n");
  EXPECT_FALSE(std::filesystem::exists(box + ".lock"));
}

}  // namespace
}  // namespace tern::delivery
