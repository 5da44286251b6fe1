// Maildir delivery; see maildir.hpp.
#include "delivery/maildir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "base/dir_sync.hpp"
#include "base/file.hpp"

namespace tern::delivery {

namespace {
std::string hostname_for_maildir() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  std::string h;
  for (const char* p = buf; *p; ++p) {  // maildir(5): '/' and ':' must not appear
    if (*p == '/') h += "\\057";
    else if (*p == ':') h += "\\072";
    else h += *p;
  }
  return h.empty() ? "localhost" : h;
}
}  // namespace

Result<std::string> deliver_maildir(const std::string& maildir, const std::string& unique,
                                    std::string_view prefix, std::string_view content) {
  std::string base = maildir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  for (const char* sub : {"/tmp", "/new", "/cur"})
    if (auto s = make_dirs(base + sub, 0700); !s) return s.error();
  static const std::string host = hostname_for_maildir();
  size_t total = prefix.size() + content.size();
  std::string name = fmt::format("{}.{},S={}", unique, host, total);
  std::string final_path = base + "/new/" + name;
  auto new_dir = DirectorySyncer::shared().begin(base + "/new");
  struct stat sb {};
  if (::stat(final_path.c_str(), &sb) == 0) {  // delivered before a crash, maybe not yet synced
    if (auto s = new_dir.sync(); !s) return s.error();
    return final_path;
  }
  std::string tmp = base + "/tmp/" + name;
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return Error{"create maildir file " + tmp + ": " + errno_text(errno)};
  iovec iov[2] = {{const_cast<char*>(prefix.data()), prefix.size()},
                  {const_cast<char*>(content.data()), content.size()}};
  ssize_t n = ::writev(fd.get(), iov, 2);
  Status st = ok_status();
  if (n < 0) st = Error{"write " + tmp + ": " + errno_text(errno)};
  else if (size_t(n) < total) {
    std::string rest = std::string(prefix).append(content).substr(size_t(n));
    st = write_all(fd.get(), rest, tmp);
  }
  if (st && ::fsync(fd.get()) != 0) st = Error{"fsync " + tmp + ": " + errno_text(errno)};
  if (!st) {
    ::unlink(tmp.c_str());
    return st.error();
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error{"rename " + tmp + " to new/: " + errno_text(err)};
  }
  // Deliveries into this Maildir running side by side share one fsync of new/.
  if (auto s = new_dir.sync(); !s) return s.error();
  return final_path;
}

}  // namespace tern::delivery
