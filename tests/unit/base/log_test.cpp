// The exact text of a log line (Postfix's format: tools parse it).
#include "base/log.hpp"

#include <gtest/gtest.h>

namespace tern::log {
namespace {

TEST(FormatLine, InfoLineHasNoLevelPrefix) {
  EXPECT_EQ(format_line("Nov 22 01:34:05", "mx1", "tern", "smtpd", 812, Level::info,
                        "connect from unknown[127.0.0.1]"),
            "Nov 22 01:34:05 mx1 tern/smtpd[812]: connect from unknown[127.0.0.1]");
}

TEST(FormatLine, LevelPrefixes) {
  EXPECT_EQ(format_line("Jan  2 03:04:05", "h", "postfix", "qmgr", 1, Level::warning, "w"),
            "Jan  2 03:04:05 h postfix/qmgr[1]: warning: w");
  EXPECT_EQ(format_line("Jan  2 03:04:05", "h", "tern", "queue", 22, Level::error, "e"),
            "Jan  2 03:04:05 h tern/queue[22]: error: e");
  EXPECT_EQ(format_line("Jan  2 03:04:05", "h", "tern", "master", 333, Level::fatal, "f"),
            "Jan  2 03:04:05 h tern/master[333]: fatal: f");
}

TEST(FormatLine, TextIsCopiedVerbatim) {
  EXPECT_EQ(format_line("T", "h", "n", "s", 0, Level::info, "a {} b %s"), "T h n/s[0]: a {} b %s");
}

}  // namespace
}  // namespace tern::log
