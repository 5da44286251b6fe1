// The control socket: how the admin tools ask a running queue role to act.
// $queue_directory/public/control, a Unix stream socket (mode 0666). One request line,
// one reply line, text, versioned:
//   request  "TERN-CONTROL 1 flush"              retry every deferred message now
//            "TERN-CONTROL 1 flush-site DOMAIN"  retry deferred mail for DOMAIN now
//            "TERN-CONTROL 1 flush-id QUEUEID"   retry that message now
//            "TERN-CONTROL 1 pickup"             take new files from maildrop/
//            "TERN-CONTROL 1 rescan"             re-read the queue directories (after postsuper)
//            "TERN-CONTROL 1 verify ADDRESS"     address verification: the cached status,
//                                                probing when unknown or due (tern verify)
//   reply    "ok[ text]" or "error text"; verify answers "ok STATUS TEXT" (STATUS: ok,
//            deferred, undeliverable, pending)
// Tools that find no daemon fall back to acting on the files (and say so).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::queue {

inline constexpr const char* kControlSocket = "public/control";
inline constexpr const char* kMaildrop = "maildrop";

enum class ControlVerb { flush, flush_site, flush_id, pickup, rescan, verify };

struct ControlRequest {
  ControlVerb verb = ControlVerb::flush;
  std::string arg;  // domain, queue ID or address
};

std::string encode_control(const ControlRequest& r);
Result<ControlRequest> parse_control(std::string_view line);

// Sends one request to the daemon of `queue_directory`; the reply text after "ok", or an
// error (including "not running" when nothing listens).
Result<std::string> control_request(const std::string& queue_directory, const ControlRequest& r);

}  // namespace tern::queue
