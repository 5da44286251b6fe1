// postsuper's operations on the queue files themselves (as Postfix's postsuper acts on
// the files, not through the daemon): delete, hold, release, requeue and force-expire one
// message by ID or every message of some queues, and the structure check. Each operation
// says what it did per message ("ID: removed") through `info`, keeps Postfix's counters,
// and report() gives the summary lines ("Deleted: 3 messages").
//
// The daemon is told to re-read the queue afterwards (postsuper.cpp sends `rescan`).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::cli {

enum class SuperOp { remove, hold, release, requeue, expire, expire_release };

// The queue directory names postsuper accepts, in the order it scans them.
inline constexpr std::string_view kSuperQueues[] = {"maildrop", "incoming", "active",
                                                    "deferred", "hold", "corrupt"};
bool is_super_queue(std::string_view name);

// The queues an operation looks in when none are named (Postfix's defaults; "ALL" for
// hold looks at incoming, active and deferred only, release at hold only).
std::vector<std::string> default_queues(SuperOp op);

// Queue IDs from standard input for "-d -": one per line, exactly as written (a bad line
// is reported as an invalid ID later, like Postfix does).
std::vector<std::string> read_id_lines(std::string_view text);

// "Deleted: 1 message" / "Deleted: 3 messages".
std::string count_line(std::string_view what, int n);

class Superintendent {
 public:
  using Say = std::function<void(const std::string&)>;
  Superintendent(std::string queue_directory, Say info, Say warn)
      : dir_(std::move(queue_directory)), info_(std::move(info)), warn_(std::move(warn)) {}

  // One message: looks in `queues` in order; true when it acted.
  bool one(SuperOp op, const std::string& id, const std::vector<std::string>& queues);
  // Every message in `queues`.
  void all(SuperOp op, const std::vector<std::string>& queues);
  // -s: sealed files that do not parse go to corrupt/; -p: stale temporary files go away.
  void structure_check(const std::vector<std::string>& queues, bool purge);

  bool changed() const { return changed_; }
  std::vector<std::string> report() const;

 private:
  bool act(SuperOp op, const std::string& id, const std::string& queue, bool quiet);
  bool rename_to(const std::string& id, const std::string& from, const std::string& to);
  std::string path(const std::string& queue, const std::string& id) const;

  std::string dir_;
  Say info_, warn_;
  bool changed_ = false;
  int deleted_ = 0, held_ = 0, released_ = 0, requeued_ = 0, expired_ = 0;
};

}  // namespace tern::cli
