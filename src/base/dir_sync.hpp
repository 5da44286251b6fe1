// Group commit for directory fsyncs: threads of one process that need a directory's new
// entries on disk at about the same time share one fsync of it.
//
// sync(dir) returns only after an fsync of `dir` that *began after the call was made*
// has finished, so it covers every entry the caller created or renamed into `dir` before
// calling. While one fsync of a directory runs, later callers for that directory join the
// next one; when the running one ends, one of them issues it for all. A caller thus waits
// for at most the fsync in flight plus its own, and a burst of N deliveries into one
// Maildir costs about two directory fsyncs instead of N.
#pragma once
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
  DirectorySyncer();
  explicit DirectorySyncer(SyncFn sync) : sync_(std::move(sync)) {}

  // `dir`'s entries as of this call are on disk (or the fsync's error, naming `dir`).
  Status sync(const std::string& dir);

  // The one every thread of this process shares (Maildir deliveries on worker threads).
  static DirectorySyncer& shared();

 private:
  struct Round {  // one fsync and the callers it answers
    bool done = false;
    int err = 0;
  };
  struct Dir {
    bool running = false;           // an fsync of it is in flight
    std::shared_ptr<Round> next;    // callers waiting for the fsync after that one
  };

  SyncFn sync_;
  std::mutex mu_;
  std::condition_variable finished_;
  std::map<std::string, Dir> dirs_;  // only directories with a round running or waiting
};

}  // namespace tern
