// UNIX mailbox (mbox) delivery: append one message to a mailbox file under the configured
// locks (fcntl, flock, dotlock — virtual_mailbox_lock / mailbox_delivery_lock), fsync,
// and on any failure truncate the file back to its old length so a half-written message
// never stays behind. The caller supplies the bytes (From_ line, >From quoting and the
// trailing blank line come from mail_copy).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::delivery {

struct MboxLocks {
  bool fcntl = false, flock = false, dotlock = false;
  int attempts = 20;     // deliver_lock_attempts
  double delay = 1.0;    // deliver_lock_delay, seconds
  double stale = 500.0;  // stale_lock_time: a dotlock older than this is removed
};

// "fcntl, dotlock" -> locks; an unknown name is an error naming `param`.
Result<MboxLocks> parse_mbox_locks(const std::vector<std::string>& names, std::string_view param);

struct MboxError {
  bool too_large = false;  // the size limit or EFBIG/EDQUOT: the mail bounces (5.2.2)
  std::string text;
};

// Appends `data` to `path` (created 0600 when missing). `limit` > 0 caps the mailbox size.
// Returns an empty text on success.
MboxError deliver_mbox(const std::string& path, std::string_view data, const MboxLocks& locks, long long limit);

}  // namespace tern::delivery
