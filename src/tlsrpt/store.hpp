// The TLS-RPT store (tlsrpt_database): a directory with one file per UTC day,
// DIR/YYYY-MM-DD.log, one Event per line (event.hpp). Every delivery thread and process
// appends with O_APPEND and a single write() per line, so concurrent appends never
// interleave (each line is far below any limit where a local write could be split);
// nothing is ever rewritten. `tern tls-report` reads a day back; a line it cannot decode
// (say, cut short by a full disk) is counted and skipped, never fatal.
#pragma once
#include <string>
#include <vector>

#include "base/result.hpp"
#include "tlsrpt/event.hpp"

namespace tern::tlsrpt {

// The day file that holds events of `day`.
std::string day_file(const std::string& dir, const std::string& day);

// Appends `e` to its day's file (made 0600 if missing; `dir` must exist).
Status append(const std::string& dir, const Event& e);

struct DayLog {
  std::vector<Event> events;
  size_t malformed = 0;        // lines skipped
  std::string first_problem;   // "LINE: why" of the first one, for a warning
};

// The events of one day; a missing file is an empty day.
Result<DayLog> read_day(const std::string& dir, const std::string& day);

}  // namespace tern::tlsrpt
