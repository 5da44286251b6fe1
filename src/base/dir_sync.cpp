// Directory fsync group commit; see dir_sync.hpp.
#include "base/dir_sync.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/file.hpp"

namespace tern {

namespace {
int fsync_directory(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return errno;
  return ::fsync(fd.get()) == 0 ? 0 : errno;
}
}  // namespace

DirectorySyncer::DirectorySyncer() : sync_(fsync_directory) {}

DirectorySyncer& DirectorySyncer::shared() {
  static DirectorySyncer syncer;
  return syncer;
}

Status DirectorySyncer::sync(const std::string& dir) {
  std::unique_lock lock(mu_);
  Dir& d = dirs_[dir];
  if (!d.next) d.next = std::make_shared<Round>();
  std::shared_ptr<Round> mine = d.next;
  // Wait for our round; lead it if no fsync of `dir` is in flight when it is our turn.
  for (;;) {
    if (mine->done) break;
    Dir& cur = dirs_[dir];
    if (!cur.running) {  // `mine` is cur.next: a round leaves `next` only when it starts
      cur.running = true;
      cur.next.reset();
      lock.unlock();
      int err = sync_(dir);
      lock.lock();
      mine->err = err;
      mine->done = true;
      Dir& after = dirs_[dir];
      after.running = false;
      if (!after.next) dirs_.erase(dir);
      finished_.notify_all();
      break;
    }
    finished_.wait(lock);
  }
  if (mine->err) return Error{dir + ": fsync: " + errno_text(mine->err)};
  return ok_status();
}

}  // namespace tern
