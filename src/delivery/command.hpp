// Running a delivery command: argv (or a shell command line through /bin/sh -c) with a
// given environment, the message on stdin, stdout and stderr captured (up to a limit)
// and a time limit after which the command's whole process group is killed. Then the
// exit status read by <sysexits.h> conventions, as Postfix's pipe_command() does.
//
// Generic on purpose: local(8) |command and mailbox_command use it, and so can pipe(8).
// It knows nothing of mail beyond the sysexits table and RFC 3463 status codes.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::delivery {

struct CommandSpec {
  std::vector<std::string> argv;  // argv[0] is the program path (execve: no PATH search)
  std::vector<std::string> env;   // the whole environment, "NAME=value"
  std::string cwd;                // "" keeps ours
  std::string_view input;         // written to stdin, then stdin is closed
  double time_limit = 1000;       // seconds (command_time_limit)
  size_t output_limit = 2048;     // bytes of stdout+stderr kept; the rest is read and dropped
};

// `sh -c command`, as local(8) runs |command and mailbox_command.
std::vector<std::string> shell_argv(std::string_view command);

struct CommandResult {
  enum class End { exited, signaled, timed_out } end = End::exited;
  int status = 0;       // exit status, or the signal number
  std::string output;   // stdout and stderr, interleaved as written, cut at output_limit
};

// An error is a failure to start: no pipes, or a program that cannot be executed.
Result<CommandResult> run_command(const CommandSpec& spec);

// A finished command as a delivery outcome (Postfix's sys_exits table and wording).
struct CommandVerdict {
  enum class Kind { ok, defer, bounce } kind = Kind::ok;
  std::string dsn;   // "2.0.0", "4.3.0", "5.1.1", …
  std::string text;  // "user unknown. Command output: …"
};
// `label` names the command in the text ("Command died with status 1: \"label\"").
// A command that fails with output starting with an RFC 3463 code ("4.2.2 …") is judged
// by that code, not by its exit status.
CommandVerdict judge_command(const CommandResult& r, std::string_view label);

}  // namespace tern::delivery
