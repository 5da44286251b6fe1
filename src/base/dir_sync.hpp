// Group commit for directory fsyncs: threads of one process that need a directory's new
// entries on disk at about the same time share one fsync of it.
//
// A writer announces itself with begin(dir) before it starts making its entry (a Maildir
// delivery: before writing tmp/NAME) and, once the entry exists (after the rename into
// new/), calls Writer::sync(). sync() returns only after an fsync of `dir` that *began
// after the call was made* has finished, so it covers every entry the caller made before.
// Callers that arrive while no fsync of `dir` runs form a round; its first caller leads
// it and, while other announced writers of `dir` are still busy, gathers them for up to
// `gather` before issuing the one fsync for all. Two deliveries into one Maildir that run
// side by side (local_destination_concurrency_limit = 2) thus share one fsync of new/
// instead of issuing one each, one after the other.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.hpp"

namespace tern {

class DirectorySyncer {
 public:
  // The fsync itself: 0 or an errno. The default opens `dir` and fsyncs it; tests inject one.
  using SyncFn = std::function<int(const std::string& dir)>;
  static constexpr std::chrono::milliseconds kGather{20};

  DirectorySyncer();
  explicit DirectorySyncer(SyncFn sync, std::chrono::milliseconds gather = kGather)
      : sync_(std::move(sync)), gather_(gather) {}

  // One writer's entry in a directory, from before it is made until it is durable.
  class Writer {
   public:
    Writer(Writer&& o) noexcept : s_(o.s_), dir_(std::move(o.dir_)) { o.s_ = nullptr; }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    Writer& operator=(Writer&&) = delete;
    ~Writer();  // a writer that gives up (no sync) stops being waited for
    // The directory's entries as of this call are on disk (or the fsync's error, naming
    // the directory). Once per writer.
    Status sync();

   private:
    friend class DirectorySyncer;
    Writer(DirectorySyncer* s, std::string dir) : s_(s), dir_(std::move(dir)) {}
    DirectorySyncer* s_;
    std::string dir_;
  };

  Writer begin(const std::string& dir);

  // The one every thread of this process shares (Maildir deliveries on worker threads).
  static DirectorySyncer& shared();

 private:
  struct Round {  // one fsync and the callers it answers
    bool done = false;
    int err = 0;
  };
  struct Dir {
    size_t writing = 0;             // announced writers that have not called sync()
    bool led = false;               // the next round has a leader (gathering or syncing)
    bool running = false;           // an fsync of it is in flight
    std::shared_ptr<Round> next;    // the round callers join now
  };

  Status sync(const std::string& dir);
  void leave(const std::string& dir);  // one writer fewer, under mu_
  void forget_if_idle(const std::string& dir);

  SyncFn sync_;
  std::chrono::milliseconds gather_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Dir> dirs_;  // only directories with writers or rounds
};

}  // namespace tern
