// Maildir delivery (the maildir(5) protocol): write tmp/NAME, flush it, rename to
// new/NAME, fsync new/. Once it returns ok the message is durable in the mailbox. The
// fsync of new/ is shared by the deliveries of this process into the same Maildir that run
// side by side (base/dir_sync.hpp): each still returns only after an fsync of new/ that
// began after its rename.
//
// Several messages at once (deliver_maildirs): each is written to tmp/, then all are
// flushed together (writeback started for every file before the first fdatasync waits),
// renamed into new/, and each new/ directory is fsynced once: one directory sync per
// Maildir per batch instead of one per message.
//
// NAME is "UNIQUE.HOST,S=SIZE" where UNIQUE comes from the caller and is derived from the
// queue ID and the recipient: delivering the same recipient of the same queue file again
// (after a crash between the rename and the queue's record of it) finds new/NAME already
// there and does not write a second copy.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::delivery {

// One message for a Maildir: `prefix` (the delivery headers) then `content`.
struct MaildirMessage {
  std::string maildir;      // the Maildir's directory (with or without the trailing /)
  std::string unique;       // the caller's unique part of the name
  std::string prefix;
  std::string_view content;  // not owned: lives as long as the call (the queued message)
};

// new/NAME for `m`: where it lands, known before it is written.
std::string maildir_final_path(const MaildirMessage& m);

// Writes `prefix` then `content` as one new message; returns the final path.
Result<std::string> deliver_maildir(const std::string& maildir, const std::string& unique,
                                    std::string_view prefix, std::string_view content);

// Delivers every message; per message its final path or why it failed (a failure leaves
// the others alone). Two messages with the same final path are written once.
std::vector<Result<std::string>> deliver_maildirs(std::span<const MaildirMessage> messages);

}  // namespace tern::delivery
