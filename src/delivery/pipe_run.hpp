// Running one external command for the pipe agent: no shell, the message on stdin,
// stdout and stderr captured together (the first 4 KiB kept, the rest drained), a time
// limit after which the command's whole process group is killed, and an environment
// built from scratch. Safe to call from worker threads: between fork() and exec the
// child makes only system calls on data prepared before the fork.
//
// SECURITY: the command runs as the caller's uid/gid. Only when the caller is root and
// `run_as` differs does the child switch to it (setgroups, setgid, setuid) before exec;
// the agent never asks for uid 0.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace tern::delivery::pipe {

struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct RunSpec {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up in /usr/bin:/bin
  std::vector<std::string> env;   // "NAME=value", the whole environment
  std::string input;              // stdin
  double time_limit = 1000;       // seconds
  std::string directory;          // working directory ("" = unchanged)
  std::optional<Credentials> run_as;  // switch to these (root only)
};

struct RunResult {
  enum How { exited, signaled, timed_out, not_started } how = not_started;
  int status = 0;      // exit status, or the signal number
  std::string output;  // the first kOutputLimit bytes of stdout+stderr
  std::string error;   // not_started: why (pipe/fork failure)
  int write_errno = 0; // a stdin write failure other than EPIPE
};

inline constexpr size_t kOutputLimit = 4096;

RunResult run_command(const RunSpec& spec);

// The command output as Postfix quotes it in a reason: tabs and newlines become spaces,
// other non-printable bytes '_', trailing white space dropped.
std::string output_for_reason(std::string_view output);

}  // namespace tern::delivery::pipe
