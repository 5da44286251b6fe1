// UNIX mbox delivery as Postfix's local(8) writes it: the copy format (a "From sender
// date" envelope line, the delivery headers, ">From " quoting, a blank line at the end)
// and the locked append (mailbox_delivery_lock: fcntl, flock, dotlock), fsynced, and
// truncated back to the original size when anything fails, so a mailbox never holds half
// a message.
//
// Exposes: MboxCopy/format_copy() (pure: bytes in, bytes out), parse_lock_methods(), and
// append_mbox() (the only part doing I/O). The same copy format, without quoting and the
// blank line, is what |command deliveries get on stdin.
#pragma once
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::delivery {

// What goes before and around the message in one delivered copy.
struct MboxCopy {
  bool from_line = true;     // "From sender  Sun Nov 22 04:38:55 2026"
  bool quote_from = true;    // ">" before body lines that start with "From "
  bool blank_line = true;    // an empty line after the message
  std::string sender;        // envelope sender; "" is written as MAILER-DAEMON
  std::time_t when = 0;      // the From_ line's time (local time, asctime layout)
  std::string headers;       // "Return-Path: <…>\nX-Original-To: …\nDelivered-To: …\n"
};

// The bytes one delivery appends: pure, so the format is testable byte for byte.
std::string format_copy(const MboxCopy& c, std::string_view content);

enum class LockMethod { fcntl, flock, dotlock };
Result<std::vector<LockMethod>> parse_lock_methods(const std::vector<std::string>& names);

struct MboxOptions {
  std::vector<LockMethod> locks{LockMethod::fcntl, LockMethod::dotlock};
  long long size_limit = 0;   // mailbox_size_limit: the file may not grow past it (0: none)
  int lock_attempts = 20;     // deliver_lock_attempts
  double lock_delay = 1.0;    // deliver_lock_delay, seconds between attempts
  double stale_lock = 500;    // stale_lock_time: an older dotlock file is removed
};

struct MboxResult {
  enum class Kind {
    written,   // durable in the file
    busy,      // could not get a lock in time: try again later
    denied,    // no permission to create or open (the privilege question, see local.hpp)
    too_big,   // it would grow past size_limit: permanent
    bad_file,  // not a regular file, or a symlink, or hard links: permanent
    failed,    // an I/O error: the file is back at its original size; try again later
  } kind = Kind::failed;
  std::string text;  // why, with the path
};

// Appends `bytes` to the mbox file `path` (created 0600 if missing) under the locks.
MboxResult append_mbox(const std::string& path, std::string_view bytes, const MboxOptions& opt);

// The locks held while appending; released by the destructor. Exposed for the tests of
// the lock files and for other writers of the same mailbox format.
class MboxLocks {
 public:
  MboxLocks() = default;
  MboxLocks(MboxLocks&& o) noexcept : fd_(o.fd_), dotlock_(std::move(o.dotlock_)) { o.dotlock_.clear(); }
  MboxLocks& operator=(MboxLocks&&) = delete;
  ~MboxLocks();
  // Takes every lock in `opt.locks` on the open file `fd` (named `path`). On failure
  // `why` says busy (locked by someone else), denied or failed.
  static Result<MboxLocks> acquire(int fd, const std::string& path, const MboxOptions& opt,
                                   MboxResult::Kind& why);
  const std::string& dotlock_path() const { return dotlock_; }

 private:
  int fd_ = -1;          // not owned; fcntl/flock locks go with the descriptor
  std::string dotlock_;  // path of our PATH.lock file, "" when none
};

}  // namespace tern::delivery
