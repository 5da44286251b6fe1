// Maildir delivery (the maildir(5) protocol): write tmp/NAME, fsync, rename to new/NAME,
// fsync new/. Once it returns ok the message is durable in the mailbox. The fsync of new/
// is shared by the deliveries of this process into the same Maildir that run side by side
// (base/dir_sync.hpp): each still returns only after an fsync of new/ that began after its
// rename.
//
// NAME is "UNIQUE.HOST,S=SIZE" where UNIQUE comes from the caller and is derived from the
// queue ID and the recipient: delivering the same recipient of the same queue file again
// (after a crash between the rename and the queue's record of it) finds new/NAME already
// there and does not write a second copy.
#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::delivery {

// Writes `prefix` then `content` as one new message; returns the final path.
Result<std::string> deliver_maildir(const std::string& maildir, const std::string& unique,
                                    std::string_view prefix, std::string_view content);

}  // namespace tern::delivery
