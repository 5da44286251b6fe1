// Time formats the mail world uses: syslog's "Nov 22 01:34:05", RFC 5322 dates for
// Received: and Date:, and wall-clock seconds as a double for delays.
#pragma once
#include <ctime>
#include <string>

namespace tern {

double now_seconds();                        // wall clock, microsecond resolution
std::string syslog_time(std::time_t t);      // "Nov 22 01:34:05"
std::string rfc5322_date(std::time_t t);     // "Sun, 22 Nov 2026 01:34:05 +0000 (UTC)"

}  // namespace tern
