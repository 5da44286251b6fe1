// Running a command with a time limit and captured output; see command.hpp.
//
// posix_spawn (not fork) because the queue role is multithreaded: nothing runs in the
// child between the fork and the exec. The child leads a new process group (setpgid) so
// a time limit kills everything it started. stdin is a socketpair written with
// MSG_NOSIGNAL: a command that exits without reading all of its input gives EPIPE, not a
// SIGPIPE to us.
#include "delivery/command.hpp"
#include "delivery/sys_exits.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <thread>

#include "base/file.hpp"
#include "base/strings.hpp"

namespace tern::delivery {

namespace {

double now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Feeds stdin and drains the output until both are done or the deadline passes.
// Returns false on timeout.
bool pump(int in, int out, std::string_view input, size_t limit, double deadline, std::string& output) {
  size_t sent = 0;
  bool in_open = true, out_open = true;
  if (input.empty()) { ::close(in); in_open = false; }
  while (out_open) {
    pollfd p[2] = {{out, POLLIN, 0}, {in_open ? in : -1, POLLOUT, 0}};
    double left = deadline - now();
    if (left <= 0) break;
    int n = ::poll(p, 2, int(left * 1000) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (in_open && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = ::send(in, input.data() + sent, input.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) sent += size_t(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == input.size()) {
        ::close(in);  // done, or the command stopped reading (EPIPE): its exit status tells
        in_open = false;
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      ssize_t r = ::read(out, buf, sizeof buf);
      if (r > 0 && output.size() < limit) output.append(buf, std::min(size_t(r), limit - output.size()));
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) out_open = false;
    }
  }
  if (in_open) ::close(in);
  return !out_open;
}

// Waits for the child until the deadline; false when it is still running then.
bool reap(pid_t pid, double deadline, int& wstatus) {
  for (;;) {
    pid_t r = ::waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // not ours any more: treat as gone
    if (now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Output for a bounce or log: one line, printable, bounded.
std::string one_line(std::string_view out) {
  std::string s(trim(out));
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return printable(s, 1024);
}

}  // namespace

CommandVerdict judge_command(const CommandResult& r, std::string_view label) {
  using K = CommandVerdict::Kind;
  std::string out = one_line(r.output);
  std::string with_output = out.empty() ? "" : ". Command output: " + out;
  std::string quoted = "\"" + printable(label, 200) + "\"";
  if (r.end == CommandResult::End::timed_out)
    return {K::defer, "4.3.0", "Command time limit exceeded: " + quoted + with_output};
  if (r.end == CommandResult::End::signaled)
    return {K::defer, "4.3.0", "Command died with signal " + std::to_string(r.status) + ": " + quoted + with_output};
  if (r.status == 0) return {K::ok, "2.0.0", "delivered to command: " + printable(label, 200)};
  if (size_t n = leading_status_length(out)) {
    std::string code = out.substr(0, n);
    return {code[0] == '4' ? K::defer : K::bounce, code, out};
  }
  if (const SysExit* e = sys_exit(r.status))
    return {e->dsn[0] == '4' ? K::defer : K::bounce, e->dsn, e->text + with_output};
  return {K::bounce, "5.3.0", "Command died with status " + std::to_string(r.status) + ": " + quoted + with_output};
}

std::vector<std::string> shell_argv(std::string_view command) {
  return {"/bin/sh", "-c", std::string(command)};
}

Result<CommandResult> run_command(const CommandSpec& spec) {
  if (spec.argv.empty()) return Error{"empty command"};
  int in[2], out[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) return Error{"socketpair: " + errno_text(errno)};
  if (::pipe2(out, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(in[0]);
    ::close(in[1]);
    return Error{"pipe: " + errno_text(err)};
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&fa);
  ::posix_spawn_file_actions_adddup2(&fa, in[1], 0);
  ::posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  ::posix_spawn_file_actions_adddup2(&fa, out[1], 2);
  if (!spec.cwd.empty()) ::posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
  ::posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attr, &none);   // our workers may block signals
  ::posix_spawnattr_setsigdefault(&attr, &all);  // and we ignore SIGPIPE: the command must not
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  auto argv = c_strings(spec.argv);
  auto envp = c_strings(spec.env);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&fa);
  ::posix_spawnattr_destroy(&attr);
  ::close(in[1]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[0]);
    ::close(out[0]);
    return Error{"cannot run " + printable(spec.argv[0], 80) + ": " + errno_text(rc)};
  }
  CommandResult res;
  double deadline = now() + spec.time_limit;
  bool in_time = pump(in[0], out[0], spec.input, spec.output_limit, deadline, res.output);
  ::close(out[0]);
  int wstatus = 0;
  if (!in_time || !reap(pid, deadline, wstatus)) {
    ::kill(-pid, SIGKILL);  // the whole group: a shell's children too
    ::waitpid(pid, &wstatus, 0);
    res.end = CommandResult::End::timed_out;
    return res;
  }
  if (WIFSIGNALED(wstatus)) {
    res.end = CommandResult::End::signaled;
    res.status = WTERMSIG(wstatus);
  } else {
    res.status = WEXITSTATUS(wstatus);
  }
  return res;
}

}  // namespace tern::delivery
