// The TLS-RPT day files; see store.hpp.
#include "tlsrpt/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

#include "base/file.hpp"

namespace tern::tlsrpt {

std::string day_file(const std::string& dir, const std::string& day) { return dir + "/" + day + ".log"; }

Status append(const std::string& dir, const Event& e) {
  if (!valid_day(e.day)) return Error{fmt::format("TLS-RPT event with a bad day \"{}\"", e.day)};
  std::string path = day_file(dir, e.day);
  std::string line = encode(e) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{path + ": " + errno_text(errno)};
  ssize_t n;
  do n = ::write(fd, line.data(), line.size());  // one write: appends never interleave
  while (n < 0 && errno == EINTR);
  int err = errno;
  ::close(fd);
  if (n < 0) return Error{path + ": write: " + errno_text(err)};
  if (size_t(n) != line.size()) return Error{path + ": short write"};
  return ok_status();
}

Result<DayLog> read_day(const std::string& dir, const std::string& day) {
  DayLog out;
  std::string path = day_file(dir, day);
  if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return out;
  auto text = read_file(path);
  if (!text) return text.error();
  size_t line_no = 0, pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    bool complete = end != std::string::npos;
    std::string_view line(text->data() + pos, (complete ? end : text->size()) - pos);
    pos = complete ? end + 1 : text->size();
    ++line_no;
    auto e = complete ? decode(line) : Result<Event>(Error{"no end of line"});
    if (e && e->day != day) e = Error{"an event of another day"};
    if (!e) {
      if (out.malformed++ == 0) out.first_problem = fmt::format("{}:{}: {}", path, line_no, e.error().message);
      continue;
    }
    out.events.push_back(std::move(*e));
  }
  return out;
}

}  // namespace tern::tlsrpt
