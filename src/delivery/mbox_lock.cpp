// The mailbox locks of mailbox_delivery_lock; see mbox.hpp.
//
// fcntl uses open-file-description locks (F_OFD_SETLK): they conflict with the classic
// fcntl locks of mail readers in other processes, and unlike those they also exclude our
// own worker threads appending to the same mailbox. flock is per open file description
// already. dotlock is PATH.lock created with O_EXCL; one older than stale_lock_time is
// taken to be left over from a crash and removed.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "base/file.hpp"
#include "delivery/mbox.hpp"

namespace tern::delivery {

namespace {

enum class Try { got, busy, error };

Try try_fcntl(int fd, int& err) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd, F_OFD_SETLK, &fl) == 0) return Try::got;
  err = errno;
  if (err == EINVAL && ::fcntl(fd, F_SETLK, &fl) == 0) return Try::got;  // kernel without OFD locks
  err = errno;
  return err == EAGAIN || err == EACCES ? Try::busy : Try::error;
}

Try try_flock(int fd, int& err) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return Try::got;
  err = errno;
  return err == EWOULDBLOCK ? Try::busy : Try::error;
}

Try try_dotlock(const std::string& lock, double stale, int& err) {
  int fd = ::open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd >= 0) {
    ::close(fd);
    return Try::got;
  }
  err = errno;
  if (err != EEXIST) return Try::error;
  struct stat st {};
  if (::lstat(lock.c_str(), &st) == 0 && double(::time(nullptr) - st.st_mtime) > stale) {
    ::unlink(lock.c_str());  // left over from a crash
    return try_dotlock(lock, 1e18, err);
  }
  return Try::busy;
}

const char* name_of(LockMethod m) {
  return m == LockMethod::fcntl ? "fcntl" : m == LockMethod::flock ? "flock" : "dotlock";
}

}  // namespace

Result<MboxLocks> MboxLocks::acquire(int fd, const std::string& path, const MboxOptions& opt,
                                   MboxResult::Kind& why) {
  MboxLocks locks;
  locks.fd_ = fd;
  for (LockMethod m : opt.locks) {
    for (int attempt = 1;; ++attempt) {
      int err = 0;
      Try t = m == LockMethod::fcntl   ? try_fcntl(fd, err)
              : m == LockMethod::flock ? try_flock(fd, err)
                                       : try_dotlock(path + ".lock", opt.stale_lock, err);
      if (t == Try::got) {
        if (m == LockMethod::dotlock) locks.dotlock_ = path + ".lock";
        break;
      }
      if (t == Try::error) {
        why = err == EACCES || err == EPERM || err == EROFS ? MboxResult::Kind::denied : MboxResult::Kind::failed;
        return Error{"cannot " + std::string(name_of(m)) + "-lock " + path + ": " + errno_text(err)};
      }
      if (attempt >= opt.lock_attempts) {
        why = MboxResult::Kind::busy;
        return Error{"cannot " + std::string(name_of(m)) + "-lock " + path + ": mailbox is locked by another process"};
      }
      std::this_thread::sleep_for(std::chrono::duration<double>(opt.lock_delay));
    }
  }
  return locks;
}

MboxLocks::~MboxLocks() {
  // The kernel locks go with the descriptor when the caller closes it; the dotlock file
  // is ours to remove.
  if (!dotlock_.empty()) ::unlink(dotlock_.c_str());
}

}  // namespace tern::delivery
