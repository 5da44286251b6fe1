// Mail log pieces with an exact text: the disconnect counters and delay numbers.
#include "message/maillog.hpp"

#include <gtest/gtest.h>

namespace tern::maillog {
namespace {

TEST(FormatCounts, PostfixOrderAndOkSlashTotal) {
  CommandCounts c;
  c.add("quit", true);
  c.add("rcpt", true);
  c.add("ehlo", true);
  c.add("rcpt", false);
  c.add("mail", true);
  c.add("data", true);
  EXPECT_EQ(format_counts(c), " ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 commands=5/6");
}

TEST(FormatCounts, AllOkShowsPlainNumbers) {
  CommandCounts c;
  c.add("helo", true);
  c.add("noop", true);
  c.add("noop", true);
  c.add("unknown", false);
  EXPECT_EQ(format_counts(c), " helo=1 noop=2 unknown=0/1 commands=3/4");
}

TEST(FormatCounts, NoCommands) { EXPECT_EQ(format_counts(CommandCounts{}), " commands=0"); }

TEST(FormatDelay, ZeroAndTinyValues) {
  EXPECT_EQ(format_delay(0), "0");
  EXPECT_EQ(format_delay(-1), "0");
  EXPECT_EQ(format_delay(0.0001), "0");
}

TEST(FormatDelay, LargeValuesAreWholeSeconds) {
  EXPECT_EQ(format_delay(37589.4), "37589");
  EXPECT_EQ(format_delay(100), "100");
}

// DESIGN.md's sample log line: "delay=0.41, delays=0.05/0/0.2/0.16" (Postfix keeps two
// significant digits below ten seconds).
TEST(FormatDelay, MatchesTheDesignSampleLine) {
  EXPECT_EQ(format_delay(0.41), "0.41");
  EXPECT_EQ(format_delay(0.05), "0.05");
  EXPECT_EQ(format_delay(0.2), "0.2");
  EXPECT_EQ(format_delay(0.16), "0.16");
}

}  // namespace
}  // namespace tern::maillog
