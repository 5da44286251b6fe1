// File helpers; see file.hpp.
#include "base/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tern {

std::string errno_text(int err) { return std::strerror(err); }

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error{path + ": " + errno_text(errno)};
  std::string out;
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) out.reserve(size_t(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{path + ": " + errno_text(errno)};
    }
    if (n == 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

Status write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{what + ": write: " + errno_text(errno)};
    }
    data.remove_prefix(size_t(n));
  }
  return ok_status();
}

std::string dir_name(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string resolve_path(std::string_view base, std::string_view path) {
  if (path.empty() || path.front() == '/' || base.empty()) return std::string(path);
  std::string out(base);
  if (out.back() != '/') out.push_back('/');
  out.append(path);
  return out;
}

Status fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return Error{dir + ": " + errno_text(errno)};
  if (::fsync(fd.get()) != 0) return Error{dir + ": fsync: " + errno_text(errno)};
  return ok_status();
}

Status atomic_write_file(const std::string& path, std::string_view data, int mode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) mode = int(st.st_mode & 07777);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return Error{tmp + ": " + errno_text(errno)};
  if (auto s = write_all(fd.get(), data, tmp); !s) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error{path + ": " + errno_text(err)};
  }
  return fsync_dir(dir_name(path));
}

Status make_dirs(const std::string& path, int mode) {
  if (path.empty()) return ok_status();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return ok_status();
    return Error{path + ": exists and is not a directory"};
  }
  std::string parent = dir_name(path);
  if (parent != path && parent != "." && parent != "/")
    if (auto s = make_dirs(parent, mode); !s) return s;
  if (::mkdir(path.c_str(), mode_t(mode)) != 0 && errno != EEXIST)
    return Error{path + ": mkdir: " + errno_text(errno)};
  return ok_status();
}

}  // namespace tern
