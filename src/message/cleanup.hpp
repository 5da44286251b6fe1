// Cleanup: the last look at a message before it is queued. Finds the Message-ID, adds a
// missing Message-ID: and Date: for local clients (always_add_missing_headers otherwise),
// as Postfix's cleanup(8) does.
#pragma once
#include <string>
#include <string_view>

#include "message/envelope.hpp"

namespace tern {

struct HeaderView {
  std::string_view name;   // as written
  std::string_view value;  // unfolded lines joined as in the message (may contain "\n\t")
};

// Calls f(name, value) for each header in `content` (LF line endings) until the blank line.
// Returns the offset of the header section's end (where new headers may be appended).
template <class F>
size_t for_each_header(std::string_view content, F f);

struct CleanupResult {
  std::string message_id;  // without angle brackets handling: as found, or the one added
};

struct CleanupOptions {
  bool add_missing_headers = false;  // the client is local, or always_add_missing_headers
  std::string myhostname;
};

CleanupResult cleanup(Message& m, const CleanupOptions& opt);

}  // namespace tern

#include "message/cleanup_inl.hpp"
