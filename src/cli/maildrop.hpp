// The sendmail side of the maildrop/ directory: a submitted message becomes a sealed
// queue file there (written to a temporary name, fsynced, renamed to its queue ID, the
// directory fsynced), and the daemon is asked to pick it up. When the daemon is down the
// file simply waits; the daemon takes it on its next start, so nothing is lost.
#pragma once
#include <string>

#include "base/result.hpp"
#include "message/envelope.hpp"

namespace tern::cli {

// A Message as a local submission: fresh queue ID, arrival now, client LOCAL/localhost.
Message local_message(std::string sender, std::vector<std::string> recipients,
                      std::string content);

// Makes `m` durable as maildrop/QUEUEID (creating maildrop/ with mode 01733); the ID.
// Run as root, the file is given to `mail_owner` so that the unprivileged pickup can read it.
Result<std::string> write_maildrop(const std::string& queue_directory, const Message& m,
                                   const std::string& mail_owner = "");

// Asks the daemon to read maildrop/ now; false when it is not running (the file waits).
bool request_pickup(const std::string& queue_directory);

}  // namespace tern::cli
