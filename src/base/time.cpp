// Time formats; see time.hpp.
#include "base/time.hpp"

#include <sys/time.h>

#include <cstdio>
#include <cstdlib>

namespace tern {

double now_seconds() {
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  return double(tv.tv_sec) + double(tv.tv_usec) / 1e6;
}

std::string syslog_time(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%b %e %H:%M:%S", &tm);
  return buf;
}

std::string rfc5322_date(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  long off = tm.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  off = std::labs(off);
  char day[64];
  std::strftime(day, sizeof day, "%a, %d %b %Y %H:%M:%S", &tm);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s %c%02ld%02ld (%s)", day, sign, off / 60, off % 60,
                tm.tm_zone ? tm.tm_zone : "UTC");
  return buf;
}

}  // namespace tern
