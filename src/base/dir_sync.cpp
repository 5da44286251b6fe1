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

DirectorySyncer::DirectorySyncer() : sync_(fsync_directory), gather_(kGather) {}

DirectorySyncer& DirectorySyncer::shared() {
  static DirectorySyncer syncer;
  return syncer;
}

DirectorySyncer::Writer DirectorySyncer::begin(const std::string& dir) {
  std::lock_guard lock(mu_);
  ++dirs_[dir].writing;
  return Writer(this, dir);
}

DirectorySyncer::Writer::~Writer() {
  if (!s_) return;
  std::lock_guard lock(s_->mu_);
  s_->leave(dir_);
  s_->forget_if_idle(dir_);
}

Status DirectorySyncer::Writer::sync() {
  DirectorySyncer* s = s_;
  s_ = nullptr;
  return s->sync(dir_);
}

void DirectorySyncer::leave(const std::string& dir) {
  Dir& d = dirs_[dir];
  if (d.writing > 0) --d.writing;
  changed_.notify_all();  // a gathering leader may stop waiting
}

void DirectorySyncer::forget_if_idle(const std::string& dir) {
  auto it = dirs_.find(dir);
  if (it != dirs_.end() && it->second.writing == 0 && !it->second.led && !it->second.next) dirs_.erase(it);
}

Status DirectorySyncer::sync(const std::string& dir) {
  std::unique_lock lock(mu_);
  leave(dir);
  Dir& d = dirs_[dir];
  if (!d.next) d.next = std::make_shared<Round>();
  std::shared_ptr<Round> mine = d.next;
  for (;;) {
    if (mine->done) break;
    if (!dirs_[dir].led) {  // `mine` is next and nobody leads it: lead it
      dirs_[dir].led = true;
      auto deadline = std::chrono::steady_clock::now() + gather_;
      changed_.wait_until(lock, deadline, [&] { return dirs_[dir].writing == 0; });
      Dir& cur = dirs_[dir];
      cur.running = true;
      cur.next.reset();  // later callers form the round after this one
      lock.unlock();
      int err = sync_(dir);
      lock.lock();
      mine->err = err;
      mine->done = true;
      Dir& after = dirs_[dir];
      after.running = false;
      after.led = false;
      forget_if_idle(dir);
      changed_.notify_all();
      break;
    }
    changed_.wait(lock);
  }
  if (mine->err) return Error{dir + ": fsync: " + errno_text(mine->err)};
  return ok_status();
}

}  // namespace tern
