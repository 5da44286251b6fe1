// Maildir delivery (the maildir(5) protocol): write tmp/NAME, fsync, rename to new/NAME,
// fsync new/. Once it returns ok the message is durable in the mailbox.
#pragma once
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::delivery {

// Writes `prefix` then `content` as one new message; returns the final path.
Result<std::string> deliver_maildir(const std::string& maildir, std::string_view prefix,
                                    std::string_view content);

}  // namespace tern::delivery
