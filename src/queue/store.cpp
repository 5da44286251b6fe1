// FileStore and MemoryStore; see store.hpp for the invariants.
#include "queue/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <cerrno>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/file.hpp"
#include "base/queue_id.hpp"

namespace tern::queue {

std::string_view queue_dir_name(QueueName q) {
  switch (q) {
    case QueueName::incoming: return "incoming";
    case QueueName::active: return "active";
    case QueueName::deferred: return "deferred";
    case QueueName::hold: return "hold";
    case QueueName::corrupt: return "corrupt";
  }
  return "active";
}

namespace {

// fsyncs of different files wait on the disk independently: issued from several threads
// at once they complete together (measured here: ~140 fsync'd creates/s from one thread,
// ~1,800/s from 20), so a batch's syncs run side by side on up to this many threads.
constexpr size_t kSyncWidth = 32;

// Threads kept for commit()'s syncs, so a batch wakes sleeping threads instead of making
// new ones: run(n, sync) calls sync(i) for every i in [0, n) on this thread and as many
// pool threads as there are further items (at most kSyncWidth - 1), and returns when all
// are done. Batches run one at a time. The threads are made at the first batch, so the
// tools that only read the queue start none.
class SyncPool {
 public:
  ~SyncPool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
  }

  void run(size_t n, const std::function<void(size_t)>& sync) {
    std::lock_guard batch(run_mu_);
    if (threads_.empty())
      for (size_t t = 1; t < kSyncWidth; ++t) threads_.emplace_back([this] { serve(); });
    std::unique_lock lock(mu_);
    sync_ = &sync;
    n_ = n;
    next_ = done_ = 0;
    ++generation_;
    for (size_t k = 1; k < std::min(n, kSyncWidth); ++k) wake_.notify_one();
    work(lock);
    finished_.wait(lock, [&] { return done_ == n_; });
    sync_ = nullptr;
  }

 private:
  // Takes items until none is left; `lock` is held between items, not during them.
  void work(std::unique_lock<std::mutex>& lock) {
    while (sync_ && next_ < n_) {
      size_t i = next_++;
      const auto* sync = sync_;
      lock.unlock();
      (*sync)(i);
      lock.lock();
      if (++done_ == n_) finished_.notify_all();
    }
  }
  void serve() {
    uint64_t seen = 0;
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      work(lock);
    }
  }

  std::mutex run_mu_, mu_;
  std::condition_variable wake_, finished_;
  const std::function<void(size_t)>* sync_ = nullptr;
  size_t n_ = 0, next_ = 0, done_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::vector<std::jthread> threads_;  // last: joined before the members they use go
};

// Removed queue files kept for new messages (store.hpp, 6), at most this many: enough for
// a burst to end without unlinking (at 1,024, the end of every 2,000-message bench cell
// unlinked ~1,000 files, and those slowed the next cells' creates). An empty file costs an
// inode and a directory entry.
constexpr size_t kFreeFiles = 16384;

class FileStore : public Store {
 public:
  explicit FileStore(std::string dir, bool recycle = false) : dir_(std::move(dir)), recycle_(recycle) {
    if (!recycle_) return;
    // Files left in free/ by an earlier run: reusable (each is truncated when taken).
    if (DIR* d = ::opendir((dir_ + "/free").c_str())) {
      while (dirent* ent = ::readdir(d)) {
        std::string name = ent->d_name;
        if (name == "." || name == "..") continue;
        if (free_.size() < kFreeFiles) free_.push_back(name);
        else ::unlinkat(::dirfd(d), name.c_str(), 0);
      }
      ::closedir(d);
    }
  }

  std::string path(QueueName q, const std::string& id) const {
    return dir_ + "/" + std::string(queue_dir_name(q)) + "/" + id;
  }

  std::vector<Status> commit(std::span<const Message* const> messages) override {
    std::vector<Status> out(messages.size(), ok_status());
    std::vector<Fd> fds(messages.size());
    auto where = [&](size_t i) { return messages[i]->envelope.hold ? QueueName::hold : QueueName::active; };
    bool any_hold = false;
    for (size_t i = 0; i < messages.size(); ++i) {
      any_hold |= messages[i]->envelope.hold;
      std::string p = path(where(i), messages[i]->envelope.queue_id);
      int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
      if (auto f = take_free(); f && ::renameat2(AT_FDCWD, f->c_str(), AT_FDCWD, p.c_str(), RENAME_NOREPLACE) == 0)
        flags = O_WRONLY | O_TRUNC | O_CLOEXEC;  // a recycled file now under the new name
      Fd fd(::open(p.c_str(), flags, 0600));
      if (!fd) {
        out[i] = Error{p + ": create: " + errno_text(errno)};
        continue;
      }
      if (auto s = write_all(fd.get(), encode_queue_file(*messages[i]), p); !s) {
        out[i] = s;
        ::unlink(p.c_str());
        continue;
      }
      fds[i] = std::move(fd);
    }
    // Every file's data and the directories holding the new names (one fsync each per
    // batch), all at once; the batch is acknowledged only when all of them are done.
    const char* dirs[] = {"/active", "/hold"};
    const size_t ndirs = any_hold ? 2 : 1;
    std::vector<int> dir_errno(ndirs, 0);
    std::vector<int> file_errno(messages.size(), 0);
    std::vector<Fd> dir_fds(ndirs);
    for (size_t d = 0; d < ndirs; ++d) {
      dir_fds[d] = Fd(::open((dir_ + dirs[d]).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!dir_fds[d]) dir_errno[d] = errno;
    }
    syncs_.run(messages.size() + ndirs, [&](size_t i) {
      if (i < messages.size()) {
        if (fds[i] && ::fdatasync(fds[i].get()) != 0) file_errno[i] = errno;
      } else if (size_t d = i - messages.size(); dir_fds[d] && ::fsync(dir_fds[d].get()) != 0) {
        dir_errno[d] = errno;
      }
    });
    for (size_t i = 0; i < messages.size(); ++i)
      if (file_errno[i]) {
        out[i] = Error{path(where(i), messages[i]->envelope.queue_id) + ": fsync: " + errno_text(file_errno[i])};
        ::unlink(path(where(i), messages[i]->envelope.queue_id).c_str());
      }
    for (size_t d = 0; d < ndirs; ++d)
      if (dir_errno[d]) {
        Status s = Error{dir_ + dirs[d] + ": fsync: " + errno_text(dir_errno[d])};
        for (auto& st : out)
          if (st) st = s;
      }
    return out;
  }

  Status append(const std::string& id, QueueName q, const std::string& record) override {
    std::string p = path(q, id);
    Fd fd(::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    if (!fd) return Error{p + ": " + errno_text(errno)};
    return write_all(fd.get(), record, p);
  }

  Status move(const std::string& id, QueueName from, QueueName to, double next_attempt) override {
    std::string a = path(from, id), b = path(to, id);
    // The next attempt time goes on before the rename (which keeps it): nobody may see the
    // file in deferred/ with a stale mtime and take it for due.
    if (next_attempt > 0) {
      timespec ts[2];
      ts[0].tv_sec = ts[1].tv_sec = time_t(next_attempt);
      ts[0].tv_nsec = ts[1].tv_nsec = 0;
      ::utimensat(AT_FDCWD, a.c_str(), ts, 0);
    }
    if (::rename(a.c_str(), b.c_str()) != 0) return Error{a + ": rename: " + errno_text(errno)};
    return ok_status();
  }

  Status remove(const std::string& id, QueueName q) override {
    std::string p = path(q, id);
    if (recycle_ && keep_free(p, id)) return ok_status();
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) return Error{p + ": unlink: " + errno_text(errno)};
    return ok_status();
  }

  ParsedFile load(const std::string& id, QueueName q) override {
    auto text = read_file(path(q, id));
    if (!text) {
      ParsedFile pf;
      pf.error = text.error().message;
      return pf;
    }
    ParsedFile pf = parse_queue_file(*text);
    if (pf.status == ParseStatus::ok && pf.message.envelope.queue_id != id) {
      pf.status = ParseStatus::malformed;
      pf.error = "the file holds message " + pf.message.envelope.queue_id + ", not " + id +
                 " (a reused queue file whose new content never reached the disk)";
    }
    return pf;
  }

  std::vector<StoredRef> list(QueueName q) override {
    std::vector<StoredRef> out;
    std::string d = dir_ + "/" + std::string(queue_dir_name(q));
    DIR* dir = ::opendir(d.c_str());
    if (!dir) return out;
    while (dirent* ent = ::readdir(dir)) {
      if (!is_valid_queue_id(ent->d_name)) continue;
      struct stat st {};
      if (::fstatat(::dirfd(dir), ent->d_name, &st, 0) != 0) continue;
      out.push_back({ent->d_name, q, double(st.st_mtime), (long long)st.st_size});
    }
    ::closedir(dir);
    return out;
  }

 private:
  // A file from free/ (its path), or nullopt when there is none.
  std::optional<std::string> take_free() {
    if (!recycle_) return std::nullopt;
    std::lock_guard lock(free_mu_);
    if (free_.empty()) return std::nullopt;
    std::string name = std::move(free_.back());
    free_.pop_back();
    return dir_ + "/free/" + name;
  }
  // Moves a removed file into free/ and empties it; false when it was not kept (free/ is
  // full, or the rename failed: the caller unlinks it).
  bool keep_free(const std::string& p, const std::string& id) {
    {
      std::lock_guard lock(free_mu_);
      if (free_.size() >= kFreeFiles) return false;
    }
    std::string f = dir_ + "/free/" + id;
    if (::rename(p.c_str(), f.c_str()) != 0) return false;
    if (::truncate(f.c_str(), 0) != 0) {
      ::unlink(f.c_str());
      return true;
    }
    std::lock_guard lock(free_mu_);
    free_.push_back(id);
    return true;
  }

  std::string dir_;
  bool recycle_ = false;
  std::mutex free_mu_;
  std::vector<std::string> free_;  // names in free/, each an empty file ready for reuse
  SyncPool syncs_;
};

class MemoryStore : public Store {
 public:
  std::vector<Status> commit(std::span<const Message* const> messages) override {
    std::lock_guard lock(mu_);
    std::vector<Status> out;
    for (const Message* m : messages) {
      auto& slot = files_[key(m->envelope.hold ? QueueName::hold : QueueName::active, m->envelope.queue_id)];
      if (!slot.text.empty()) {
        out.push_back(Error{"duplicate queue id " + m->envelope.queue_id});
        continue;
      }
      slot.text = encode_queue_file(*m);
      out.push_back(ok_status());
    }
    return out;
  }
  Status append(const std::string& id, QueueName q, const std::string& record) override {
    std::lock_guard lock(mu_);
    auto it = files_.find(key(q, id));
    if (it == files_.end()) return Error{id + ": no such queue file"};
    it->second.text += record;
    return ok_status();
  }
  Status move(const std::string& id, QueueName from, QueueName to, double next) override {
    std::lock_guard lock(mu_);
    auto it = files_.find(key(from, id));
    if (it == files_.end()) return Error{id + ": no such queue file"};
    File f = std::move(it->second);
    files_.erase(it);
    if (next > 0) f.mtime = next;
    files_[key(to, id)] = std::move(f);
    return ok_status();
  }
  Status remove(const std::string& id, QueueName q) override {
    std::lock_guard lock(mu_);
    files_.erase(key(q, id));
    return ok_status();
  }
  ParsedFile load(const std::string& id, QueueName q) override {
    std::lock_guard lock(mu_);
    auto it = files_.find(key(q, id));
    if (it == files_.end()) {
      ParsedFile pf;
      pf.error = id + ": no such queue file";
      return pf;
    }
    return parse_queue_file(it->second.text);
  }
  std::vector<StoredRef> list(QueueName q) override {
    std::lock_guard lock(mu_);
    std::vector<StoredRef> out;
    for (const auto& [k, f] : files_)
      if (k.first == q) out.push_back({k.second, q, f.mtime, (long long)f.text.size()});
    return out;
  }

 private:
  struct File {
    std::string text;
    double mtime = 0;
  };
  static std::pair<QueueName, std::string> key(QueueName q, const std::string& id) { return {q, id}; }
  std::mutex mu_;
  std::map<std::pair<QueueName, std::string>, File> files_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_file_store(const std::string& queue_directory, bool recycle) {
  for (QueueName q : kAllQueues)
    if (auto s = make_dirs(queue_directory + "/" + std::string(queue_dir_name(q)), 0700); !s)
      return s.error();
  if (recycle)
    if (auto s = make_dirs(queue_directory + "/free", 0700); !s) return s.error();
  return std::unique_ptr<Store>(new FileStore(queue_directory, recycle));
}

std::unique_ptr<Store> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace tern::queue
