// Process-wide log sink and per-service loggers writing Postfix's line format:
//   "Nov 22 01:34:05 host tern/smtpd[812]: text"
// The sink is a file opened with O_APPEND (maillog_file), syslog's /dev/log, or stderr.
// Lines are written with one write(2) each, so lines from several processes never mix.
// Mail events (connect, queued, delivered, …) have typed helpers in message/maillog.hpp.
#pragma once
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::log {

enum class Level { info, warning, error, fatal };

// Configures the sink for this process. `file` empty = syslog (falls back to stderr when
// there is no /dev/log). Also mirrors warnings and worse to stderr when `echo_stderr`.
Status open_sink(std::string syslog_name, const std::string& file, bool echo_stderr);
// Re-reads getpid() after fork.
void after_fork();
// The file descriptor of the sink (for a master to hand over), -1 for syslog/stderr.
int sink_fd();

class Logger {
 public:
  explicit Logger(std::string service) : service_(std::move(service)) {}
  // `name` overrides the process's syslog_name (a master.cf service's -o syslog_name).
  Logger(std::string service, std::string name) : service_(std::move(service)), name_(std::move(name)) {}
  const std::string& service() const { return service_; }

  void write(Level level, std::string_view text) const;

  template <class... A>
  void info(fmt::format_string<A...> f, A&&... a) const {
    write(Level::info, fmt::format(f, std::forward<A>(a)...));
  }
  template <class... A>
  void warning(fmt::format_string<A...> f, A&&... a) const {
    write(Level::warning, fmt::format(f, std::forward<A>(a)...));
  }
  template <class... A>
  void error(fmt::format_string<A...> f, A&&... a) const {
    write(Level::error, fmt::format(f, std::forward<A>(a)...));
  }
  // Logs and exits the process with status 1: for broken invariants and startup errors.
  template <class... A>
  [[noreturn]] void fatal(fmt::format_string<A...> f, A&&... a) const {
    write(Level::fatal, fmt::format(f, std::forward<A>(a)...));
    die();
  }

 private:
  [[noreturn]] static void die();
  std::string service_;
  std::string name_;
};

// Formats one line without the trailing newline (exposed for tests).
std::string format_line(std::string_view time, std::string_view host, std::string_view name,
                        std::string_view service, long pid, Level level, std::string_view text);

}  // namespace tern::log
