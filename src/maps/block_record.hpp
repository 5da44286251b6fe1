// One entry of the spam trap blocklist (spamtrap_blocklist_database): why and until when a
// client address is blocked, stored as the LMDB value under the address as one line a
// person can read:
//   v1 since=1765113600 until=1765200000 hits=2 trap=<trap@example.com> action=REJECT text...
// since/until are seconds since the epoch, hits counts trap mails while listed, trap is
// the last trap address mailed (printable, no spaces) and action, the rest of the line,
// is the access(5) answer a lookup gives while the entry is current. Pure text in and
// out (the LMDB store is spamtrap_blocklist.hpp), fuzzed by fuzz_block_record.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::maps {

struct BlockRecord {
  int64_t since = 0;
  int64_t until = 0;
  uint32_t hits = 0;
  std::string trap;    // address, without the angle brackets
  std::string action;  // "REJECT Client host blocked after mail to a spam trap"

  bool current(int64_t now) const { return now < until; }
};

// The stored line; the trap is made printable without spaces, the action single-line.
std::string format_block_record(const BlockRecord& r);
// A malformed line is an Error saying what is wrong with it.
Result<BlockRecord> parse_block_record(std::string_view line);

}  // namespace tern::maps
