// Target lists: alias values, .forward and :include: files, malformed input included.
#include "delivery/forward.hpp"

#include <gtest/gtest.h>

namespace tern::delivery {
namespace {

Target addr(std::string v, bool bs = false) { return {TargetKind::address, std::move(v), bs}; }
Target cmd(std::string v) { return {TargetKind::command, std::move(v), false}; }
Target file(std::string v) { return {TargetKind::file, std::move(v), false}; }
Target inc(std::string v) { return {TargetKind::include, std::move(v), false}; }

TEST(Targets, AliasValueKinds) {
  auto p = parse_target_list(R"(bob, \alice, "|/usr/bin/cmd -a x, y", /var/log/mail.copy, /tmp/md/,)"
                             R"( :include:/etc/list, <carol@example.org>, |simple cmd)");
  ASSERT_EQ(p.error, TargetError::none) << p.message();
  EXPECT_EQ(p.targets, (std::vector<Target>{addr("bob"), addr("alice", true), cmd("/usr/bin/cmd -a x, y"),
                                            file("/var/log/mail.copy"), file("/tmp/md/"), inc("/etc/list"),
                                            addr("carol@example.org"), cmd("simple cmd")}));
}

TEST(Targets, QuotedEscapesAndEmptyItems) {
  auto p = parse_target_list(R"(,, "|echo \"hi\"" ,  ,"a b"@example.org)");
  ASSERT_EQ(p.error, TargetError::none);
  EXPECT_EQ(p.targets, (std::vector<Target>{cmd("echo \"hi\""), addr("a b@example.org")}));
}

TEST(Targets, FileCommentsContinuationsAndCrlf) {
  auto p = parse_target_file("# my forward\r\nbob,\r\n  carol\n\n   # indented comment\n\\alice\n\"|cat > /dev/null\"");
  ASSERT_EQ(p.error, TargetError::none) << p.message();
  EXPECT_EQ(p.targets, (std::vector<Target>{addr("bob"), addr("carol"), addr("alice", true), cmd("cat > /dev/null")}));
}

TEST(Targets, CaseInsensitiveInclude) {
  auto p = parse_target_list(":INCLUDE: /x/y");
  ASSERT_EQ(p.error, TargetError::none);
  EXPECT_EQ(p.targets, std::vector<Target>{inc("/x/y")});
}

TEST(Targets, MalformedInput) {
  auto p = parse_target_file("bob\n\"|cmd\n");
  EXPECT_EQ(p.error, TargetError::unbalanced_quote);
  EXPECT_EQ(p.line, 2u);
  EXPECT_EQ(p.message(), "line 2: unbalanced double quote");
  EXPECT_EQ(parse_target_list(std::string("a\0b", 3)).error, TargetError::nul_byte);
  EXPECT_EQ(parse_target_list(":include:relative/path").error, TargetError::bad_include);
  EXPECT_EQ(parse_target_list(":include:").error, TargetError::bad_include);
  TargetLimits lim;
  lim.max_targets = 2;
  EXPECT_EQ(parse_target_list("a, b, c", lim).error, TargetError::too_many);
  lim.max_item = 5;
  EXPECT_EQ(parse_target_list("abcdefgh", lim).error, TargetError::item_too_long);
  lim.max_bytes = 4;
  EXPECT_EQ(parse_target_file("a, b, c", lim).error, TargetError::too_big);
}

TEST(Targets, EmptyAndCommentOnlyFilesHaveNoTargets) {
  EXPECT_TRUE(parse_target_file("").targets.empty());
  EXPECT_TRUE(parse_target_file("# nothing\n\n").targets.empty());
  EXPECT_EQ(parse_target_file("# nothing\n").error, TargetError::none);
}

}  // namespace
}  // namespace tern::delivery
