// mbox delivery; see mbox.hpp.
#include "delivery/mbox.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "base/file.hpp"
#include "base/strings.hpp"

namespace tern::delivery {

namespace {

void pause_for(double seconds) {
  timespec ts{static_cast<time_t>(seconds), static_cast<long>((seconds - double(time_t(seconds))) * 1e9)};
  ::nanosleep(&ts, nullptr);
}

// path.lock created exclusively; a stale one (older than locks.stale) is removed.
Status take_dotlock(const std::string& path, const MboxLocks& locks) {
  std::string lock = path + ".lock";
  for (int i = 0; i < locks.attempts; ++i) {
    int fd = ::open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      return ok_status();
    }
    if (errno != EEXIST) return Error{"create lock file " + lock + ": " + errno_text(errno)};
    struct stat st {};
    if (::stat(lock.c_str(), &st) == 0 && std::difftime(std::time(nullptr), st.st_mtime) > locks.stale)
      ::unlink(lock.c_str());
    else if (i + 1 < locks.attempts)
      pause_for(locks.delay);
  }
  return Error{"unable to lock " + path + ": lock file " + lock + " exists"};
}

Status take_kernel_locks(int fd, const std::string& path, const MboxLocks& locks) {
  for (int i = 0; i < locks.attempts; ++i) {
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    bool got_fcntl = !locks.fcntl || ::fcntl(fd, F_SETLK, &fl) == 0;
    bool got_flock = got_fcntl && (!locks.flock || ::flock(fd, LOCK_EX | LOCK_NB) == 0);
    if (got_fcntl && got_flock) return ok_status();
    if (errno != EAGAIN && errno != EACCES && errno != EWOULDBLOCK)
      return Error{"lock " + path + ": " + errno_text(errno)};
    if (got_fcntl && locks.fcntl) {  // release what we hold while we wait
      fl.l_type = F_UNLCK;
      ::fcntl(fd, F_SETLK, &fl);
    }
    if (i + 1 < locks.attempts) pause_for(locks.delay);
  }
  return Error{"unable to lock " + path + ": it is locked by another process"};
}

MboxError append_locked(int fd, const std::string& path, std::string_view data, long long limit) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return {false, "fstat " + path + ": " + errno_text(errno)};
  if (!S_ISREG(st.st_mode)) return {false, "mailbox " + path + " is not a regular file"};
  if (limit > 0 && st.st_size + static_cast<long long>(data.size()) > limit)
    return {true, "cannot update mailbox " + path + ": the message would exceed the mailbox size limit of " +
                      std::to_string(limit) + " bytes"};
  Status w = write_all(fd, data, path);
  int err = errno;
  if (w && ::fsync(fd) != 0) {
    err = errno;
    w = Error{"fsync " + path + ": " + errno_text(err)};
  }
  if (w) return {};
  // Undo the partial append: readers must never see half a message.
  (void)!::ftruncate(fd, st.st_size);
  return {err == EFBIG || err == EDQUOT, "cannot update mailbox " + path + ": " + w.error().message};
}

}  // namespace

Result<MboxLocks> parse_mbox_locks(const std::vector<std::string>& names, std::string_view param) {
  MboxLocks l;
  for (const auto& n : names) {
    if (n == "fcntl") l.fcntl = true;
    else if (n == "flock") l.flock = true;
    else if (n == "dotlock") l.dotlock = true;
    else return Error{std::string(param) + ": unknown locking method \"" + printable(n, 40) + "\" (use fcntl, flock or dotlock)"};
  }
  return l;
}

MboxError deliver_mbox(const std::string& path, std::string_view data, const MboxLocks& locks, long long limit) {
  if (auto s = make_dirs(dir_name(path), 0700); !s) return {false, s.error().message};
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return {false, "cannot open mailbox " + path + ": " + errno_text(errno)};
  if (locks.dotlock)
    if (auto s = take_dotlock(path, locks); !s) return {false, s.error().message};
  MboxError result;
  if (auto s = take_kernel_locks(fd.get(), path, locks); !s) result = {false, s.error().message};
  else result = append_locked(fd.get(), path, data, limit);
  if (locks.dotlock) ::unlink((path + ".lock").c_str());
  return result;  // closing the descriptor releases the fcntl and flock locks
}

}  // namespace tern::delivery
