// pipe(8) attribute parsing: flags, user=, size=, eol=, argv= macros, and the exact
// errors for malformed entries (through master.cf parsing where braces are involved).
#include "delivery/pipe_args.hpp"

#include <gtest/gtest.h>

#include "config/master_cf.hpp"

namespace tern::delivery::pipe {
namespace {

using Args = std::vector<std::string>;

PipeSpec ok(const Args& a) {
  auto r = parse_pipe_args(a);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : PipeSpec{};
}

std::string err(const Args& a) {
  auto r = parse_pipe_args(a);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(PipeArgs, TheVerpBounceHandlerExample) {
  PipeSpec s = ok({"flags=RX", "user=nobody", "argv=/srv/scripts/mail_bounce_handler", "${extension}"});
  EXPECT_TRUE(s.flags.return_path);
  EXPECT_TRUE(s.flags.final);
  EXPECT_FALSE(s.flags.delivered_to);
  EXPECT_EQ(s.user, "nobody");
  EXPECT_EQ(s.group, "");
  EXPECT_EQ(s.command, "/srv/scripts/mail_bounce_handler");
  ASSERT_EQ(s.argv.size(), 2u);
  EXPECT_FALSE(s.argv[0].per_recipient);
  EXPECT_TRUE(s.argv[1].per_recipient);
  ASSERT_EQ(s.argv[1].pieces.size(), 1u);
  EXPECT_EQ(s.argv[1].pieces[0].macro, Macro::extension);
  EXPECT_EQ(s.eol, "\n");
  EXPECT_EQ(s.null_sender, "MAILER-DAEMON");
  EXPECT_EQ(s.size_limit, 0);
}

TEST(PipeArgs, EveryFlag) {
  Flags f = ok({"flags=BDFORXhqu.>", "user=nobody", "argv=/bin/true"}).flags;
  EXPECT_TRUE(f.blank && f.delivered_to && f.from_line && f.original_to && f.return_path && f.final &&
              f.fold_host && f.quote && f.fold_user && f.dot && f.quote_from);
}

TEST(PipeArgs, AttributesAreCaseInsensitiveAndArgvTakesTheRest) {
  PipeSpec s = ok({"USER=nobody:nogroup", "Size=1000", "eol=\\r\\n", "null_sender=", "directory=/tmp",
                   "argv=cmd", "-f", "$sender", "user=x", "--", "$(recipient)"});
  EXPECT_EQ(s.user, "nobody");
  EXPECT_EQ(s.group, "nogroup");
  EXPECT_EQ(s.size_limit, 1000);
  EXPECT_EQ(s.eol, "\r\n");
  EXPECT_EQ(s.null_sender, "");
  EXPECT_EQ(s.directory, "/tmp");
  ASSERT_EQ(s.argv.size(), 6u);
  EXPECT_EQ(s.argv[3].pieces[0].text, "user=x");  // after argv= everything is an argument
  EXPECT_EQ(s.argv[5].pieces[0].macro, Macro::recipient);
}

TEST(PipeArgs, TemplatesMixTextAndMacros) {
  auto t = parse_arg_template("pre-${user}.$domain$$x$(nexthop)");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->pieces.size(), 6u);
  EXPECT_EQ(t->pieces[0].text, "pre-");
  EXPECT_EQ(t->pieces[1].macro, Macro::user);
  EXPECT_EQ(t->pieces[2].text, ".");
  EXPECT_EQ(t->pieces[3].macro, Macro::domain);
  EXPECT_EQ(t->pieces[4].text, "$x");
  EXPECT_EQ(t->pieces[5].macro, Macro::nexthop);
  EXPECT_TRUE(t->per_recipient);
  auto plain = parse_arg_template("${sender}${size}${queue_id}");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->per_recipient);
}

TEST(PipeArgs, EolEscapes) {
  EXPECT_EQ(*unescape_eol("\\r\\n"), "\r\n");
  EXPECT_EQ(*unescape_eol("\\015\\012"), "\r\n");
  EXPECT_EQ(*unescape_eol("a\\\\\\t"), "a\\\t");
  EXPECT_EQ(unescape_eol("\\q").error().message, "bad eol= value \"\\q\": unknown escape \\q");
  EXPECT_EQ(unescape_eol("x\\").error().message, "bad eol= value \"x\\\": ends with a backslash");
}

TEST(PipeArgs, MalformedEntriesGiveExactErrors) {
  EXPECT_EQ(err({"flags=RZ", "user=nobody", "argv=/bin/true"}),
            "unknown flag \"Z\" in \"flags=RZ\" (known: BDFORXhqu.>)");
  EXPECT_EQ(err({"flags=R", "user=nobody"}), "missing argv= attribute");
  EXPECT_EQ(err({"flags=R", "argv=/bin/true"}), "missing user= attribute");
  EXPECT_EQ(err({"user=nobody", "argv="}), "argv= names no command (write argv=/path/to/command args...)");
  EXPECT_EQ(err({"user=", "argv=/bin/true"}), "bad user= value \"\": no user name");
  EXPECT_EQ(err({"user=:mail", "argv=/bin/true"}), "bad user= value \":mail\": no user name");
  EXPECT_EQ(err({"user=a:b:c", "argv=/bin/true"}), "bad user= value \"a:b:c\": expected user or user:group");
  EXPECT_EQ(err({"user=nobody", "size=ten", "argv=/bin/true"}),
            "bad size= value \"ten\": expected a number of bytes");
  EXPECT_EQ(err({"user=nobody", "size=-1", "argv=/bin/true"}),
            "bad size= value \"-1\": expected a number of bytes");
  EXPECT_EQ(err({"user=nobody", "chroot=/x", "argv=/bin/true"}),
            "chroot= is not supported: Tern runs pipe commands without a chroot");
  EXPECT_EQ(err({"user=nobody", "shell=/bin/sh", "argv=/bin/true"}),
            "unknown attribute name: \"shell=/bin/sh\" (known: flags= user= size= eol= null_sender= "
            "directory= argv=)");
  EXPECT_EQ(err({"user=nobody", "argv=/bin/x", "${sender"}),
            "unterminated macro \"${sender\" in argv= argument \"${sender\" (missing '}')");
  EXPECT_EQ(err({"user=nobody", "argv=/bin/x", "a$(user"}),
            "unterminated macro \"$(user\" in argv= argument \"a$(user\" (missing ')')");
  EXPECT_EQ(err({"user=nobody", "argv=/bin/x", "${recipients}"}),
            "unknown macro name \"recipients\" in argv= argument \"${recipients}\"");
  EXPECT_EQ(err({"user=nobody", "argv=/bin/x", "${}"}), "unknown macro name \"\" in argv= argument \"${}\"");
  EXPECT_EQ(err({"user=nobody", "argv=/bin/x", "100$"}),
            "stray '$' in argv= argument \"100$\" (write $$ for a dollar sign)");
}

// master.cf's "{ … }" grouping reaches the parser as one argument; an unterminated group is
// a master.cf error naming the line.
TEST(PipeArgs, BraceGroupsComeFromMasterCf) {
  auto m = config::parse_master_cf("bounce unix - n n - - pipe\n"
                                   "  flags=R user=nobody argv=/bin/h { -s ${sender} } {${recipient}}\n",
                                   "master.cf");
  ASSERT_TRUE(m.ok()) << m.error().message;
  PipeSpec s = ok((*m)[0].args);
  ASSERT_EQ(s.argv.size(), 3u);
  ASSERT_EQ(s.argv[1].pieces.size(), 2u);
  EXPECT_EQ(s.argv[1].pieces[0].text, "-s ");
  EXPECT_EQ(s.argv[1].pieces[1].macro, Macro::sender);
  EXPECT_EQ(s.argv[2].pieces[0].macro, Macro::recipient);
  auto bad = config::parse_master_cf("x unix - n n - - pipe\n  user=nobody argv=/bin/h { -s\n", "master.cf");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "master.cf:1: missing '}'");
}

}  // namespace
}  // namespace tern::delivery::pipe
