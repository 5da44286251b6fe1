// master.cf parsing: columns, continuations, -o overrides, brace groups, errors, format().
#include "config/master_cf.hpp"

#include <gtest/gtest.h>

namespace tern::config {
namespace {

using Overrides = std::vector<std::pair<std::string, std::string>>;
using Args = std::vector<std::string>;

std::vector<MasterEntry> parse_ok(std::string_view text) {
  auto r = parse_master_cf(text, "master.cf");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<MasterEntry>{};
}

std::string parse_error(std::string_view text) {
  auto r = parse_master_cf(text, "/etc/tern/master.cf");
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(ParseMasterCf, ReadsTheEightColumns) {
  auto e = parse_ok("# service type private unpriv chroot wakeup maxproc command\n"
                    "127.0.0.1:2525 inet n - y - 100 smtpd\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].service, "127.0.0.1:2525");
  EXPECT_EQ(e[0].type, "inet");
  EXPECT_EQ(e[0].private_, "n");
  EXPECT_EQ(e[0].unpriv, "-");
  EXPECT_EQ(e[0].chroot, "y");
  EXPECT_EQ(e[0].wakeup, "-");
  EXPECT_EQ(e[0].maxproc, "100");
  EXPECT_EQ(e[0].command, "smtpd");
  EXPECT_TRUE(e[0].args.empty());
  EXPECT_TRUE(e[0].overrides.empty());
  EXPECT_EQ(e[0].file, "master.cf");
  EXPECT_EQ(e[0].line, 2);
}

TEST(ParseMasterCf, AcceptsEveryServiceType) {
  auto e = parse_ok("a inet n - n - - x\nb unix n - n - - x\nc unix-dgram n - n - - x\n"
                    "d fifo n - n - - x\ne pass n - n - - x\n");
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[2].type, "unix-dgram");
}

TEST(ParseMasterCf, WakeupMayEndWithAQuestionMark) {
  auto e = parse_ok("pickup unix n - n 60? 1 pickup\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].wakeup, "60?");
}

TEST(ParseMasterCf, ContinuationLinesCarryOverridesAndArgs) {
  auto e = parse_ok("submission inet n - n - - smtpd\n"
                    "  -o syslog_name=postfix/submission\n"
                    "\t-o { smtpd_tls_security_level = encrypt }\n"
                    "  -o smtpd_client_restrictions=$mua_client_restrictions\n"
                    "next unix - - n - - local\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].overrides, (Overrides{{"syslog_name", "postfix/submission"},
                                       {"smtpd_tls_security_level", "encrypt"},
                                       {"smtpd_client_restrictions", "$mua_client_restrictions"}}));
  EXPECT_EQ(e[0].line, 1);
  EXPECT_EQ(e[1].line, 5);
}

TEST(ParseMasterCf, OverrideValueMayContainSpacesInBraces) {
  auto e = parse_ok("smtp inet n - n - - smtpd -o { smtpd_banner = $myhostname ESMTP ready }\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].overrides, (Overrides{{"smtpd_banner", "$myhostname ESMTP ready"}}));
}

TEST(ParseMasterCf, GluedOverrideForm) {
  auto e = parse_ok("smtp inet n - n - - smtpd -osmtpd_timeout=5s\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].overrides, (Overrides{{"smtpd_timeout", "5s"}}));
}

TEST(ParseMasterCf, ArgumentsWithSpacesInBraces) {
  auto e = parse_ok("pipe unix - n n - - pipe flags=R { user=mail x } argv=/bin/cat ${recipient}\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].args, (Args{"flags=R", "user=mail x", "argv=/bin/cat", "${recipient}"}));
}

TEST(ParseMasterCf, CommentsInsideAnEntryAndCrLf) {
  auto e = parse_ok("smtp inet n - n - - smtpd\r\n# a comment\r\n  -o a=b\r\n\r\nx unix - - n - - y\r\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].overrides, (Overrides{{"a", "b"}}));
  EXPECT_EQ(e[1].command, "y");
}

TEST(ParseMasterCf, EmptyFileHasNoServices) { EXPECT_TRUE(parse_ok("\n# only comments\n").empty()); }

TEST(ParseMasterCf, TooFewFieldsNamesFileLine) {
  EXPECT_EQ(parse_error("# c\nsmtp inet n - n - smtpd\n"),
            "/etc/tern/master.cf:2: syntax error: expected 8 fields (service type private unpriv "
            "chroot wakeup maxproc command), found 7");
}

TEST(ParseMasterCf, BadTypeIsAnError) {
  EXPECT_EQ(parse_error("smtp tcp n - n - - smtpd\n"),
            "/etc/tern/master.cf:1: unknown service type \"tcp\"");
}

TEST(ParseMasterCf, BadYesNoColumnIsAnError) {
  const char* want = "/etc/tern/master.cf:1: private, unpriv and chroot fields must be y, n or -";
  EXPECT_EQ(parse_error("smtp inet yes - n - - smtpd\n"), want);
  EXPECT_EQ(parse_error("smtp inet n x n - - smtpd\n"), want);
  EXPECT_EQ(parse_error("smtp inet n - N - - smtpd\n"), want);
}

TEST(ParseMasterCf, BadWakeupIsAnError) {
  EXPECT_EQ(parse_error("pickup unix n - n soon 1 pickup\n"),
            "/etc/tern/master.cf:1: bad wakeup time \"soon\"");
  EXPECT_EQ(parse_error("pickup unix n - n -5 1 pickup\n"),
            "/etc/tern/master.cf:1: bad wakeup time \"-5\"");
  EXPECT_EQ(parse_error("pickup unix n - n ? 1 pickup\n"),
            "/etc/tern/master.cf:1: bad wakeup time \"?\"");
}

TEST(ParseMasterCf, BadMaxprocIsAnError) {
  EXPECT_EQ(parse_error("\n\nsmtp inet n - n - lots smtpd\n"),
            "/etc/tern/master.cf:3: bad process limit \"lots\"");
  EXPECT_EQ(parse_error("smtp inet n - n - 1? smtpd\n"),
            "/etc/tern/master.cf:1: bad process limit \"1?\"");
  EXPECT_EQ(parse_error("smtp inet n - n - -1 smtpd\n"),
            "/etc/tern/master.cf:1: bad process limit \"-1\"");
}

TEST(ParseMasterCf, OverrideErrors) {
  EXPECT_EQ(parse_error("smtp inet n - n - - smtpd -o\n"), "/etc/tern/master.cf:1: -o without a value");
  EXPECT_EQ(parse_error("smtp inet n - n - - smtpd -o novalue\n"),
            "/etc/tern/master.cf:1: -o option without '=': \"novalue\"");
  EXPECT_EQ(parse_error("smtp inet n - n - - smtpd -o =x\n"),
            "/etc/tern/master.cf:1: -o option with empty name");
}

TEST(ParseMasterCf, UnbalancedBraceIsAnError) {
  EXPECT_EQ(parse_error("smtp inet n - n - - smtpd -o { a = b\n"), "/etc/tern/master.cf:1: missing '}'");
}

TEST(ParseMasterCf, ContinuationWithoutServiceIsAnError) {
  EXPECT_EQ(parse_error("# c\n  -o a=b\n"),
            "/etc/tern/master.cf:2: syntax error: continuation line without a service before it");
}

TEST(MasterEntryFormat, PrintsColumnsOverridesThenArgs) {
  MasterEntry e;
  e.service = "submission";
  e.type = "inet";
  e.private_ = "n";
  e.unpriv = "-";
  e.chroot = "n";
  e.wakeup = "-";
  e.maxproc = "-";
  e.command = "smtpd";
  e.overrides = {{"syslog_name", "tern/submission"}, {"smtpd_banner", "$myhostname says hi"}};
  e.args = {"-v", "two words"};
  EXPECT_EQ(e.format(), "submission inet n - n - - smtpd -o syslog_name=tern/submission "
                        "-o { smtpd_banner = $myhostname says hi } -v { two words }");
  EXPECT_EQ(e.format_tail(), " -o syslog_name=tern/submission -o { smtpd_banner = $myhostname says hi } "
                             "-v { two words }");
}

TEST(MasterEntryFormat, FormattedLineParsesBackToTheSameEntry) {
  auto e = parse_ok("smtp inet n - n 60? 5 smtpd -o { a = b c } -o d=e { x y } z\n");
  ASSERT_EQ(e.size(), 1u);
  auto again = parse_ok(e[0].format() + "\n");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].format(), e[0].format());
  EXPECT_EQ(again[0].overrides, e[0].overrides);
  EXPECT_EQ(again[0].args, e[0].args);
  EXPECT_EQ(again[0].wakeup, "60?");
}

}  // namespace
}  // namespace tern::config
