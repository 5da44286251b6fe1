// Command execution for the pipe agent; see pipe_run.hpp.
#include "delivery/pipe_run.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace tern::delivery::pipe {

namespace {

constexpr int kExTempfail = 75;  // sysexits.h EX_TEMPFAIL: a child that cannot exec

using Clock = std::chrono::steady_clock;

// argv[0] without a '/' is looked up where Postfix's pipe looks (PATH=/usr/bin:/bin).
std::string program_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  for (const char* dir : {"/usr/bin/", "/bin/"}) {
    std::string p = dir + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return name;
}

void write_str(int fd, const char* s) {
  if (s) (void)!::write(fd, s, std::strlen(s));
}

// Everything the child needs, prepared before fork() (no allocation after it).
struct ChildPlan {
  std::string path;
  std::vector<char*> argv, envp;
  const char* directory = nullptr;
  std::optional<Credentials> run_as;
  std::string fail_prefix;  // "pipe: fatal: execvp CMD: "
};

[[noreturn]] void child(const ChildPlan& plan, int in_fd, int out_fd) {
  ::setsid();  // its own process group, so a time-out kills its offspring too
  if (plan.run_as) {
    gid_t g = plan.run_as->gid;
    if (::setgroups(1, &g) != 0 || ::setgid(g) != 0 || ::setuid(plan.run_as->uid) != 0) {
      write_str(out_fd, "pipe: fatal: cannot change user or group: ");
      write_str(out_fd, ::strerrordesc_np(errno));
      write_str(out_fd, "\n");
      ::_exit(kExTempfail);
    }
  }
  if (::dup2(in_fd, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(out_fd, STDERR_FILENO) < 0)
    ::_exit(kExTempfail);
  ::close_range(3, ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2})
    ::sigaction(sig, &dfl, nullptr);
  if (plan.directory && ::chdir(plan.directory) != 0) {
    write_str(STDERR_FILENO, "pipe: fatal: cannot change directory to ");
    write_str(STDERR_FILENO, plan.directory);
    write_str(STDERR_FILENO, ": ");
    write_str(STDERR_FILENO, ::strerrordesc_np(errno));
    write_str(STDERR_FILENO, "\n");
    ::_exit(kExTempfail);
  }
  ::execve(plan.path.c_str(), plan.argv.data(), plan.envp.data());
  int err = errno;
  write_str(STDERR_FILENO, plan.fail_prefix.c_str());
  write_str(STDERR_FILENO, ::strerrordesc_np(err));
  write_str(STDERR_FILENO, "\n");
  ::_exit(kExTempfail);
}

// Feeds stdin and collects output until the output closes or the deadline passes.
// Returns false on time-out.
bool pump(int in_fd, int out_fd, const std::string& input, Clock::time_point deadline, RunResult& r) {
  size_t written = 0;
  bool in_open = true, out_open = true;
  if (input.empty()) {
    ::close(in_fd);
    in_open = false;
  }
  char buf[8192];
  while (in_open || out_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd fds[2];
    int n = 0, in_i = -1, out_i = -1;
    if (in_open) fds[in_i = n++] = {in_fd, POLLOUT, 0};
    if (out_open) fds[out_i = n++] = {out_fd, POLLIN, 0};
    int pr = ::poll(fds, nfds_t(n), int(std::min<long long>(left, 1000)));
    if (pr < 0 && errno != EINTR) break;
    if (pr <= 0) continue;
    if (in_i >= 0 && fds[in_i].revents) {
      size_t chunk = std::min<size_t>(input.size() - written, 65536);
      ssize_t w = ::write(in_fd, input.data() + written, chunk);
      if (w > 0) written += size_t(w);
      bool failed = w < 0 && errno != EAGAIN && errno != EINTR;
      if (failed && errno != EPIPE) r.write_errno = errno;  // EPIPE: the command did not want it all
      if (failed || written == input.size()) {
        ::close(in_fd);
        in_open = false;
      }
    }
    if (out_i >= 0 && fds[out_i].revents) {
      ssize_t got = ::read(out_fd, buf, sizeof buf);
      if (got > 0 && r.output.size() < kOutputLimit)
        r.output.append(buf, std::min(size_t(got), kOutputLimit - r.output.size()));
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) out_open = false;
    }
  }
  if (in_open) ::close(in_fd);
  return !out_open && !in_open;
}

// Waits for the child until the deadline; false if it is still running then.
bool reap(pid_t pid, Clock::time_point deadline, int& wstatus) {
  for (;;) {
    pid_t w = ::waitpid(pid, &wstatus, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) return true;
    if (Clock::now() >= deadline) return false;
    ::usleep(5000);
  }
}

}  // namespace

RunResult run_command(const RunSpec& spec) {
  RunResult r;
  if (spec.argv.empty()) {
    r.error = "empty command";
    return r;
  }
  ChildPlan plan;
  plan.path = program_path(spec.argv[0]);
  for (const auto& a : spec.argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
  plan.argv.push_back(nullptr);
  for (const auto& e : spec.env) plan.envp.push_back(const_cast<char*>(e.c_str()));
  plan.envp.push_back(nullptr);
  plan.directory = spec.directory.empty() ? nullptr : spec.directory.c_str();
  plan.run_as = spec.run_as;
  plan.fail_prefix = "pipe: fatal: execvp " + spec.argv[0] + ": ";
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + ::strerrordesc_np(errno);
    return r;
  }
  if (::pipe2(out, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + ::strerrordesc_np(errno);
    ::close(in[0]);
    ::close(in[1]);
    return r;
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<long long>(spec.time_limit * 1000));
  pid_t pid = ::fork();
  if (pid == 0) child(plan, in[0], out[1]);
  int fork_errno = errno;
  ::close(in[0]);
  ::close(out[1]);
  if (pid < 0) {
    ::close(in[1]);
    ::close(out[0]);
    r.error = std::string("fork: ") + ::strerrordesc_np(fork_errno);
    return r;
  }
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  // A command that exits without reading all of stdin must not kill us with SIGPIPE
  // (the daemon ignores it; a unit test binary may not): block it on this thread and
  // discard one we caused.
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ::sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  bool finished = pump(in[1], out[0], spec.input, deadline, r);
  ::sigpending(&pending);
  if (!was_pending && sigismember(&pending, SIGPIPE)) {
    timespec zero{};
    ::sigtimedwait(&pipe_set, nullptr, &zero);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(out[0]);
  int wstatus = 0;
  if (!finished || !reap(pid, deadline, wstatus)) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    r.how = RunResult::timed_out;
    return r;
  }
  if (WIFSIGNALED(wstatus)) {
    r.how = RunResult::signaled;
    r.status = WTERMSIG(wstatus);
  } else {
    r.how = RunResult::exited;
    r.status = WEXITSTATUS(wstatus);
  }
  return r;
}

std::string output_for_reason(std::string_view output) {
  std::string s;
  for (unsigned char c : output) {
    if (c == '\t' || c == '\n') s += ' ';
    else if (c < 0x20 || c >= 0x7f) s += '_';
    else s += char(c);
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace tern::delivery::pipe
