// Mail forwarding loop detection as local(8) does it: a message that already carries
// "Delivered-To: <address>" in its header for the address being delivered to has been
// here before, and is bounced (5.4.6) instead of delivered again.
#pragma once
#include <string_view>

namespace tern::delivery {

// True when the header section of `content` (up to the first empty line) has a
// Delivered-To: field whose value equals `address`, ignoring case and white space.
bool delivered_to_seen(std::string_view content, std::string_view address);

}  // namespace tern::delivery
