// The queue store: where messages live between "250 queued" and their last delivery.
//
// Crash-safety invariants (FileStore):
//  1. A message is acknowledged only after commit() returned ok for it: its file, sealed,
//     is fsynced and so is the directory entry (one directory fsync per batch).
//  2. A file without its seal was never acknowledged; recovery removes it.
//  3. A recipient's outcome is appended the moment it is known; a message whose
//     recipients are all final is unlinked. A crash between a delivery and its record
//     repeats that one delivery (at-least-once), never loses one.
//  4. Moving between queues is a rename within one file system: atomic, the file is
//     always in exactly one queue directory.
//  5. A sealed file that does not parse is moved to corrupt/, never deleted.
//  6. The queue role's store recycles files (open_file_store(dir, true)): a removed file is
//     renamed into free/ and truncated, and a new message takes a file from there (renamed
//     into active/ or hold/, never over an existing name) before it is written, instead of
//     making a new inode. On ext4 without a journal, making inodes at thousands a second
//     costs more than everything else a message does (the allocator skips every inode
//     freed in the last minutes: `recently_deleted`). A file whose sealed content names
//     another queue ID than its own name (a recycled file whose new content never reached
//     the disk) does not parse (5).
// The deferred queue keeps each file's next attempt time as its mtime, as Postfix does.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "message/envelope.hpp"
#include "queue/queue_file.hpp"

namespace tern::queue {

enum class QueueName { incoming, active, deferred, hold, corrupt };
std::string_view queue_dir_name(QueueName q);
constexpr QueueName kAllQueues[] = {QueueName::incoming, QueueName::active, QueueName::deferred,
                                    QueueName::hold, QueueName::corrupt};

struct StoredRef {
  std::string id;
  QueueName queue;
  double next_attempt = 0;  // deferred: when to try again
  long long size = 0;       // file size in bytes
};

class Store {
 public:
  virtual ~Store() = default;
  // Makes each message durable in active/ (hold/ when envelope.hold); result[i] belongs
  // to messages[i].
  virtual std::vector<Status> commit(std::span<const Message* const> messages) = 0;
  Status record_outcome(const std::string& id, QueueName q, size_t rcpt_index,
                                RcptState state, double when, std::string_view reason) {
    return record_outcome(id, q, rcpt_index, state, when, reason, "");
  }
  Status record_outcome(const std::string& id, QueueName q, size_t rcpt_index,
                                RcptState state, double when, std::string_view reason,
                                std::string_view dsn) {
    return append(id, q, encode_outcome(rcpt_index, state, when, reason, dsn));
  }
  // Appends one record line (an outcome, "warned …") to a queue file.
  virtual Status append(const std::string& id, QueueName q, const std::string& record) = 0;
  virtual Status move(const std::string& id, QueueName from, QueueName to,
                      double next_attempt = 0) = 0;
  virtual Status remove(const std::string& id, QueueName q) = 0;
  virtual ParsedFile load(const std::string& id, QueueName q) = 0;
  virtual std::vector<StoredRef> list(QueueName q) = 0;
};

// Files under `queue_directory`; creates the queue directories (mode 0700). With `recycle`
// (the queue role only: one process owns free/) removed files are kept for reuse (6).
Result<std::unique_ptr<Store>> open_file_store(const std::string& queue_directory, bool recycle = false);
// In memory, for unit tests and benchmarks.
std::unique_ptr<Store> make_memory_store();

}  // namespace tern::queue
