// File helpers: whole-file reads, durable writes (write, fsync file, rename, fsync
// directory), directory creation. Errors carry the path and strerror text.
#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern {

Result<std::string> read_file(const std::string& path);
Status write_all(int fd, std::string_view data, const std::string& what);
// Writes `data` to `path` atomically: temp file in the same directory, fsync, rename,
// fsync of the directory. Keeps the mode of an existing file.
Status atomic_write_file(const std::string& path, std::string_view data, int mode = 0644);
Status fsync_dir(const std::string& dir);
// mkdir -p with `mode` for each directory it creates.
Status make_dirs(const std::string& path, int mode = 0755);
std::string dir_name(std::string_view path);
// Joins `path` to `base` unless `path` is absolute.
std::string resolve_path(std::string_view base, std::string_view path);
std::string errno_text(int err);

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release() { int f = fd_; fd_ = -1; return f; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace tern
