// Running commands (a script that records its argv, environment and stdin), time limits,
// and the mapping of exit status and output to delivery outcomes (sysexits).
#include "delivery/pipe_run.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "base/file.hpp"
#include "delivery/pipe_status.hpp"
#include "../temp_dir.hpp"

namespace tern::delivery::pipe {
namespace {

using testing::TempDir;

// A shell script (the command under test; the runner itself never uses a shell).
std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
  dir.write(name, "#!/bin/sh\n" + body);
  ::chmod(dir.file(name).c_str(), 0755);
  return dir.file(name);
}

TEST(PipeRun, RecordsArgvEnvironmentAndStdinExactly) {
  TempDir dir;
  std::string rec = script(dir, "rec", "out=\"$1\"; shift\n"
                                       "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done > \"$out.argv\"\n"
                                       "env | sort > \"$out.env\"\npwd > \"$out.pwd\"\ncat > \"$out.stdin\"\n");
  RunSpec s;
  s.argv = {rec, dir.file("r"), "a b", "", "$x"};
  s.env = {"PATH=/usr/bin:/bin", "MAIL_CONFIG=/etc/tern"};
  s.input = std::string("line 1\n\0bin\xff\n", 13);
  s.directory = dir.path();
  RunResult r = run_command(s);
  ASSERT_EQ(r.how, RunResult::exited) << r.error << r.output;
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output, "");
  EXPECT_EQ(*read_file(dir.file("r.argv")), "[a b]\n[]\n[$x]\n");
  EXPECT_EQ(*read_file(dir.file("r.stdin")), s.input);
  EXPECT_EQ(*read_file(dir.file("r.pwd")), dir.path() + "\n");
  // sh adds PWD (and may add SHLVL/_); nothing of ours beyond what we passed leaks in.
  std::string env = *read_file(dir.file("r.env"));
  EXPECT_NE(env.find("MAIL_CONFIG=/etc/tern\n"), std::string::npos);
  EXPECT_NE(env.find("PATH=/usr/bin:/bin\n"), std::string::npos);
  EXPECT_EQ(env.find("HOME="), std::string::npos);
}

TEST(PipeRun, CapturesOutputAndExitStatus) {
  TempDir dir;
  std::string cmd = script(dir, "fail", "echo \"no such\tuser\" >&2\nexit 67\n");
  RunResult r = run_command({{cmd}, {}, "ignored input\n", 10, "", std::nullopt});
  ASSERT_EQ(r.how, RunResult::exited);
  EXPECT_EQ(r.status, 67);
  EXPECT_EQ(r.output, "no such\tuser\n");
  Verdict v = classify(r, cmd, "bounce");
  EXPECT_EQ(v.kind, DeliveryResult::bounced);
  EXPECT_EQ(v.dsn, "5.1.1");
  EXPECT_EQ(v.text, "user unknown. Command output: no such user");
}

TEST(PipeRun, LargeInputToACommandThatReadsNothing) {
  TempDir dir;
  std::string cmd = script(dir, "quit", "exit 0\n");
  RunResult r = run_command({{cmd}, {}, std::string(1 << 20, 'x'), 10, "", std::nullopt});
  ASSERT_EQ(r.how, RunResult::exited);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.write_errno, 0);  // EPIPE is not an error: the command did not want it
}

TEST(PipeRun, OutputIsLimited) {
  TempDir dir;
  std::string cmd = script(dir, "chatty", "head -c 100000 /dev/zero | tr '\\0' y\nexit 75\n");
  RunResult r = run_command({{cmd}, {}, "", 10, "", std::nullopt});
  ASSERT_EQ(r.how, RunResult::exited);
  EXPECT_EQ(r.status, 75);
  EXPECT_EQ(r.output, std::string(kOutputLimit, 'y'));
}

TEST(PipeRun, TimeLimitKillsTheProcessGroup) {
  TempDir dir;
  std::string cmd = script(dir, "slow", "echo started\nsleep 30 &\nsleep 30\n");
  RunResult r = run_command({{cmd}, {}, "", 0.5, "", std::nullopt});
  EXPECT_EQ(r.how, RunResult::timed_out);
  EXPECT_EQ(r.output, "started\n");
  Verdict v = classify(r, cmd, "slow");
  EXPECT_EQ(v.kind, DeliveryResult::bounced);
  EXPECT_EQ(v.dsn, "5.3.0");
  EXPECT_EQ(v.text, "Command time limit exceeded: \"" + cmd + "\". Command output: started");
}

TEST(PipeRun, MissingProgramDefersWithExecError) {
  RunResult r = run_command({{"/nonexistent/tern-cmd"}, {}, "x\n", 10, "", std::nullopt});
  ASSERT_EQ(r.how, RunResult::exited);
  EXPECT_EQ(r.status, 75);
  Verdict v = classify(r, "/nonexistent/tern-cmd", "p");
  EXPECT_EQ(v.kind, DeliveryResult::deferred);
  EXPECT_EQ(v.text, "temporary failure. Command output: pipe: fatal: execvp /nonexistent/tern-cmd: "
                    "No such file or directory");
}

TEST(PipeStatus, SysexitsTable) {
  auto exited = [](int st, std::string out = "") {
    RunResult r;
    r.how = RunResult::exited;
    r.status = st;
    r.output = std::move(out);
    return classify(r, "/bin/cmd", "svc");
  };
  Verdict ok = exited(0, "queued\n");
  EXPECT_EQ(ok.kind, DeliveryResult::sent);
  EXPECT_EQ(ok.text, "delivered via svc service (queued)");
  EXPECT_EQ(exited(0).text, "delivered via svc service");
  Verdict temp = exited(75);
  EXPECT_EQ(temp.kind, DeliveryResult::deferred);
  EXPECT_EQ(temp.dsn, "4.3.0");
  EXPECT_EQ(temp.text, "temporary failure");
  EXPECT_EQ(exited(71).kind, DeliveryResult::deferred);
  for (int code = 64; code <= 78; ++code) {
    if (code == 71 || code == 75) continue;
    EXPECT_EQ(exited(code).kind, DeliveryResult::bounced) << code;
    EXPECT_EQ(exited(code).dsn[0], '5') << code;
  }
  EXPECT_EQ(exited(77).text, "permission denied");
  Verdict other = exited(1, "oops\n");
  EXPECT_EQ(other.kind, DeliveryResult::bounced);
  EXPECT_EQ(other.text, "Command died with status 1: \"/bin/cmd\". Command output: oops");
  Verdict coded = exited(1, "4.2.2 mailbox full\n");
  EXPECT_EQ(coded.kind, DeliveryResult::deferred);
  EXPECT_EQ(coded.dsn, "4.2.2");
  EXPECT_EQ(coded.text, "mailbox full");
  EXPECT_EQ(exited(75, "5.1.1 gone").kind, DeliveryResult::bounced);  // the code wins
  EXPECT_EQ(exited(1, "4.2.2x no").dsn, "5.3.0");                    // not a code
  RunResult sig;
  sig.how = RunResult::signaled;
  sig.status = 9;
  EXPECT_EQ(classify(sig, "/bin/cmd", "svc").text, "Command died with signal 9: \"/bin/cmd\"");
  EXPECT_EQ(classify(sig, "/bin/cmd", "svc").kind, DeliveryResult::deferred);
}

TEST(PipeStatus, OutputMadePrintable) {
  EXPECT_EQ(output_for_reason("a\tb\nc\x01\xc3\xa9  \n\n"), "a b c___");
}

}  // namespace
}  // namespace tern::delivery::pipe
