// Log sink; see log.hpp.
#include "base/log.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>

#include "base/file.hpp"
#include "base/time.hpp"

namespace tern::log {

namespace {

struct Sink {
  std::string name = "tern";
  std::string host;
  long pid = ::getpid();
  int file_fd = -1;    // maillog_file
  int syslog_fd = -1;  // connected datagram socket to /dev/log
  bool echo = true;
};

Sink& sink() {
  static Sink s;
  return s;
}

std::string short_hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  std::string h(buf);
  if (auto dot = h.find('.'); dot != std::string::npos) h.resize(dot);
  return h;
}

const char* level_prefix(Level l) {
  switch (l) {
    case Level::info: return "";
    case Level::warning: return "warning: ";
    case Level::error: return "error: ";
    case Level::fatal: return "fatal: ";
  }
  return "";
}

int connect_dev_log() {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "/dev/log");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string format_line(std::string_view time, std::string_view host, std::string_view name,
                        std::string_view service, long pid, Level level, std::string_view text) {
  return fmt::format("{} {} {}/{}[{}]: {}{}", time, host, name, service, pid, level_prefix(level),
                     text);
}

Status open_sink(std::string syslog_name, const std::string& file, bool echo_stderr) {
  Sink& s = sink();
  s.name = std::move(syslog_name);
  s.host = short_hostname();
  s.echo = echo_stderr;
  if (s.file_fd >= 0) ::close(s.file_fd);
  if (s.syslog_fd >= 0) ::close(s.syslog_fd);
  s.file_fd = s.syslog_fd = -1;
  if (!file.empty()) {
    if (auto st = make_dirs(dir_name(file)); !st) return st;
    s.file_fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (s.file_fd < 0) return Error{file + ": " + errno_text(errno)};
  } else {
    s.syslog_fd = connect_dev_log();
  }
  return ok_status();
}

void after_fork() { sink().pid = ::getpid(); }

int sink_fd() { return sink().file_fd; }

void Logger::write(Level level, std::string_view text) const {
  Sink& s = sink();
  if (s.host.empty()) s.host = short_hostname();
  std::time_t t = std::time(nullptr);
  const std::string& name = name_.empty() ? s.name : name_;
  if (s.file_fd >= 0) {
    std::string line = format_line(syslog_time(t), s.host, name, service_, s.pid, level, text);
    line.push_back('\n');
    (void)write_all(s.file_fd, line, "maillog_file");
  } else if (s.syslog_fd >= 0) {
    int pri = (2 << 3) | (level == Level::info ? 6 : level == Level::warning ? 4 : 3);  // mail.*
    std::string msg = fmt::format("<{}>{} {}/{}[{}]: {}{}", pri, syslog_time(t), name, service_,
                                  s.pid, level_prefix(level), text);
    (void)::send(s.syslog_fd, msg.data(), msg.size(), MSG_NOSIGNAL);
  }
  bool to_stderr = (s.file_fd < 0 && s.syslog_fd < 0) || (s.echo && level != Level::info);
  if (to_stderr) {
    std::string line = fmt::format("{}/{}: {}{}\n", name, service_, level_prefix(level), text);
    (void)write_all(2, line, "stderr");
  }
}

void Logger::die() { std::_Exit(1); }

}  // namespace tern::log
