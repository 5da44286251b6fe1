// The command runner: exit statuses by sysexits (0 sent, 75 deferred, 67 bounced, an
// unknown status bounced), output capture and its limit, stdin and the environment, the
// time limit (the whole process group is killed), and RFC 3463 codes in the output.
#include "delivery/command.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../temp_dir.hpp"

namespace tern::delivery {
namespace {

using Kind = CommandVerdict::Kind;

CommandResult run(const std::string& sh, std::string_view input = "", double limit = 10,
                  std::vector<std::string> env = {"PATH=/usr/bin:/bin"}) {
  CommandSpec spec;
  spec.argv = shell_argv(sh);
  spec.env = std::move(env);
  spec.input = input;
  spec.time_limit = limit;
  auto r = run_command(spec);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : CommandResult{};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Command, SuccessCapturesStdoutAndStderr) {
  auto r = run("echo out; echo err >&2; exit 0");
  EXPECT_EQ(r.end, CommandResult::End::exited);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output, "out\nerr\n");
  auto v = judge_command(r, "cmd");
  EXPECT_EQ(v.kind, Kind::ok);
  EXPECT_EQ(v.dsn, "2.0.0");
}

TEST(Command, TempfailDefers) {
  auto v = judge_command(run("echo try later; exit 75"), "cmd");
  EXPECT_EQ(v.kind, Kind::defer);
  EXPECT_EQ(v.dsn, "4.3.0");
  EXPECT_EQ(v.text, "temporary failure. Command output: try later");
}

TEST(Command, NoUserBouncesWithItsOutput) {
  auto v = judge_command(run("echo no such mailbox here; exit 67"), "cmd");
  EXPECT_EQ(v.kind, Kind::bounce);
  EXPECT_EQ(v.dsn, "5.1.1");
  EXPECT_EQ(v.text, "user unknown. Command output: no such mailbox here");
}

TEST(Command, UnknownStatusBouncesNamingTheCommand) {
  auto v = judge_command(run("exit 1"), "/usr/bin/false");
  EXPECT_EQ(v.kind, Kind::bounce);
  EXPECT_EQ(v.dsn, "5.3.0");
  EXPECT_EQ(v.text, "Command died with status 1: \"/usr/bin/false\"");
}

TEST(Command, OsErrDefers) { EXPECT_EQ(judge_command(run("exit 71"), "c").kind, Kind::defer); }

TEST(Command, EnhancedStatusCodeInOutputWins) {
  auto v = judge_command(run("echo '4.2.2 mailbox full'; exit 1"), "c");
  EXPECT_EQ(v.kind, Kind::defer);
  EXPECT_EQ(v.dsn, "4.2.2");
  EXPECT_EQ(v.text, "4.2.2 mailbox full");
  v = judge_command(run("echo '5.7.1 go away'; exit 75"), "c");
  EXPECT_EQ(v.kind, Kind::bounce);
  EXPECT_EQ(v.dsn, "5.7.1");
  // Not a code: "4.2" alone, or text glued to it.
  EXPECT_EQ(judge_command(run("echo '4.2 x'; exit 67"), "c").dsn, "5.1.1");
  EXPECT_EQ(judge_command(run("echo '4.2.2x'; exit 67"), "c").dsn, "5.1.1");
}

TEST(Command, StdinAndEnvironmentArriveWhole) {
  testing::TempDir dir;
  std::string big(300000, 'm');  // more than a pipe buffer
  auto r = run("cat > '" + dir.file("in") + "'; env > '" + dir.file("env") + "'", big, 10,
               {"PATH=/usr/bin:/bin", "RECIPIENT=a@b", "EXTENSION=x"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(slurp(dir.file("in")), big);
  std::string env = slurp(dir.file("env"));
  EXPECT_NE(env.find("RECIPIENT=a@b\n"), std::string::npos);
  EXPECT_NE(env.find("EXTENSION=x\n"), std::string::npos);
  EXPECT_EQ(env.find("HOME="), std::string::npos) << "only the given environment: " << env;
}

TEST(Command, CommandThatIgnoresItsInputIsNotAnError) {
  auto r = run("exit 0", std::string(1 << 20, 'x'));
  EXPECT_EQ(r.end, CommandResult::End::exited);
  EXPECT_EQ(r.status, 0);
}

TEST(Command, TimeLimitKillsTheProcessGroup) {
  testing::TempDir dir;
  auto start = std::chrono::steady_clock::now();
  // The background child would write the file after 2 s if it survived the kill.
  auto r = run("(sleep 2; touch '" + dir.file("survivor") + "') & echo started; sleep 30", "", 0.5);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.end, CommandResult::End::timed_out);
  EXPECT_LT(took, 5);
  EXPECT_EQ(r.output, "started\n");
  auto v = judge_command(r, "sleep 30");
  EXPECT_EQ(v.kind, Kind::defer);
  EXPECT_EQ(v.text, "Command time limit exceeded: \"sleep 30\". Command output: started");
  ::sleep(3);
  EXPECT_FALSE(std::filesystem::exists(dir.file("survivor")));
}

TEST(Command, SignalDefers) {
  auto r = run("kill -TERM $$");
  EXPECT_EQ(r.end, CommandResult::End::signaled);
  EXPECT_EQ(r.status, 15);
  auto v = judge_command(r, "k");
  EXPECT_EQ(v.kind, Kind::defer);
  EXPECT_EQ(v.text, "Command died with signal 15: \"k\"");
}

TEST(Command, OutputIsCutAtTheLimitAndMadeOneLine) {
  CommandSpec spec;
  spec.argv = shell_argv("printf 'a\\nb\\n'; head -c 100000 /dev/zero | tr '\\0' z; exit 67");
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.output_limit = 10;
  auto r = run_command(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "a\nb\nzzzzzz");
  EXPECT_EQ(judge_command(*r, "c").text, "user unknown. Command output: a b zzzzzz");
}

TEST(Command, MissingProgramIsAnError) {
  CommandSpec spec;
  spec.argv = {"/nonexistent/program"};
  auto r = run_command(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/program"), std::string::npos);
}

}  // namespace
}  // namespace tern::delivery
