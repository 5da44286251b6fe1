// The queue as `postqueue -p` / `mailq` / `postqueue -j` show it, read straight from the
// queue files (no daemon needed), and the two output formats, byte for byte as Postfix's
// postqueue prints them (showq_compat for -p with long queue IDs, showq_json for -j).
//
// Exposes: list_queue() (maildrop, incoming, active, deferred, hold, in that order as
// Postfix's showq scans them; IDs sorted within a queue), format_mailq(), format_json()
// and json_quote().
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "queue/queue_file.hpp"

namespace tern::queue {

struct ListedMessage {
  std::string id;
  std::string queue_name;  // "maildrop", "incoming", "active", "deferred", "hold"
  long long size = 0;      // message size: header and body bytes (qmgr's size=)
  double arrival = 0;
  bool forced_expire = false;
  std::string sender;      // "" is the null sender
  struct Rcpt {
    std::string address;
    std::string reason;    // deferral reason, "" when none recorded
  };
  std::vector<Rcpt> recipients;  // not yet final: pending or deferred
};

// A listing entry from one parsed queue file.
ListedMessage listed_from(std::string id, std::string queue_name, const ParsedFile& pf);

// Every parseable message under `queue_directory` (unsealed and corrupt files are skipped:
// they are being written, or not mail the queue holds).
std::vector<ListedMessage> list_queue(const std::string& queue_directory);

// Postfix's mailq text: "Mail queue is empty\n" or heading, entries, "-- N Kbytes in M
// Request(s).", arrival times in local time as asctime() prints them.
std::string format_mailq(const std::vector<ListedMessage>& msgs);

// One JSON object per message, each on its own line, fields in Postfix's order.
std::string format_json(const ListedMessage& m);

// A JSON string body as Postfix quotes it: \" \\ \b \f \n \r \t, other controls and DEL
// as \u00XX; valid UTF-8 passes through, invalid bytes become '?'.
std::string json_quote(std::string_view text);

}  // namespace tern::queue
