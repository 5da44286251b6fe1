// The pipe agent built from a real master.cf entry: startup errors naming file:line, and a
// delivery through a script that records its argv, environment and stdin byte for byte.
#include "delivery/pipe.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file.hpp"
#include "config/config.hpp"
#include "delivery/mail_copy.hpp"
#include "../temp_dir.hpp"

namespace tern::delivery {
namespace {

using testing::TempDir;

Recipient rcpt_of(std::string address) {
  Recipient r;
  r.address = std::move(address);
  return r;
}

struct PipeConfig {
  TempDir dir;
  std::shared_ptr<const config::Config> cfg;

  Result<Agents> load(const std::string& master, const std::string& main_extra = "") {
    ::chmod(dir.path().c_str(), 0777);  // the command may run as nobody
    dir.write("main.cf", "queue_directory = " + dir.path() + "\nrecipient_delimiter = +\n"
                         "export_environment = MAIL_CONFIG TERN_UNSET_VAR\n" + main_extra);
    dir.write("master.cf", master);
    auto c = config::load(config::LoadOptions{dir.path()});
    if (!c) return c.error();
    cfg = *c;
    return Agents::make(*cfg);
  }
};

std::string error_of(Result<Agents> r) { return r.ok() ? "(loaded)" : r.error().message; }

TEST(PipeAgent, BadEntriesAreStartupErrorsNamingTheLine) {
  PipeConfig s;
  std::string where = s.dir.file("master.cf") + ":2: service bounce (pipe): ";
  EXPECT_EQ(error_of(s.load("\nbounce unix - n n - - pipe\n  flags=RZ user=nobody argv=/x\n")),
            where + "unknown flag \"Z\" in \"flags=RZ\" (known: BDFORXhqu.>)");
  EXPECT_EQ(error_of(s.load("\nbounce unix - n n - - pipe flags=R user=nobody\n")), where + "missing argv= attribute");
  EXPECT_EQ(error_of(s.load("\nbounce unix - n n - - pipe user=root argv=/x\n")),
            where + "user= names \"root\" with root privileges: pipe refuses to run commands as root");
  EXPECT_EQ(error_of(s.load("\nbounce unix - n n - - pipe user=no-such-user-tern argv=/x\n")),
            where + "user= names unknown user \"no-such-user-tern\"");
  EXPECT_EQ(error_of(s.load("\nbounce unix - n n - - pipe user=nobody:root argv=/x\n")),
            where + "user= gives privileged group id 0: pipe refuses to run commands with it");
  EXPECT_EQ(error_of(s.load("\nbounce unix - n n - - pipe user=nobody argv=/x ${bogus}\n")),
            where + "unknown macro name \"bogus\" in argv= argument \"${bogus}\"");
  EXPECT_EQ(error_of(s.load("\nbounce unix - n n - - pipe user=nobody argv=/x\n", "bounce_time_limit = soon\n")),
            where + s.dir.file("main.cf") + ":4: bad bounce_time_limit value \"soon\": expected a time such as 100s, 10m or 1h");
}

TEST(PipeAgent, DeliversThroughARecordingScript) {
  PipeConfig s;
  s.dir.write("rec", "#!/bin/sh\nd=$(dirname \"$0\")\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done > \"$d/argv\"\n"
                     "env | grep -v '^PWD=\\|^SHLVL=\\|^_=' | sort > \"$d/env\"\ncat > \"$d/stdin\"\nid -u > \"$d/uid\"\n"
                     "echo accepted\n");
  ::chmod(s.dir.file("rec").c_str(), 0755);
  auto agents = s.load("bounce unix - n n - - pipe\n  flags=FROD.>B user=nobody eol=\\r\\n argv=" + s.dir.file("rec") +
                       " -f ${sender} { -- ${recipient} } ${extension} ${nexthop}\n");
  ASSERT_TRUE(agents.ok()) << agents.error().message;
  const Agent* a = agents->find("bounce");
  ASSERT_NE(a, nullptr);
  Message m;
  m.envelope.queue_id = "4Yg3Nf0x5WzK";
  m.envelope.sender = "";
  m.envelope.recipients.push_back(rcpt_of("Bounces+alice=example.net@Bounce.example"));
  m.content = "Subject: x\n\n.dot\nFrom line\n";
  Outcome out = a->deliver({m, {0}, "bounce", "bounce.example", 0});
  ASSERT_EQ(out.results.size(), 1u);
  const DeliveryResult& r = out.results[0];
  EXPECT_EQ(r.kind, DeliveryResult::sent) << r.text;
  EXPECT_EQ(r.text, "delivered via bounce service (accepted)");
  EXPECT_EQ(r.relay, "bounce");
  EXPECT_EQ(*read_file(s.dir.file("argv")),
            "[-f]\n[MAILER-DAEMON]\n[-- Bounces+alice=example.net@Bounce.example]\n[alice=example.net]\n"
            "[bounce.example]\n");
  EXPECT_EQ(*read_file(s.dir.file("env")), "MAIL_CONFIG=" + s.dir.path() + "\nPATH=/usr/bin:/bin\n");
  std::string in = *read_file(s.dir.file("stdin"));
  std::string from = "From MAILER-DAEMON  ";
  ASSERT_EQ(in.compare(0, from.size(), from), 0) << in;
  EXPECT_EQ(in.substr(in.find("\r\n") + 2),
            "Return-Path: <MAILER-DAEMON>\r\nX-Original-To: Bounces+alice=example.net@Bounce.example\r\n"
            "Delivered-To: bounces+alice=example.net@bounce.example\r\nSubject: x\r\n\r\n..dot\r\n>From line\r\n\r\n");
  if (::geteuid() == 0) {
    EXPECT_EQ(*read_file(s.dir.file("uid")), "65534\n");  // switched to user=nobody
  }
}

TEST(PipeAgent, FlagDWithSeveralRecipientsAndLoopsAndSize) {
  PipeConfig s;
  auto agents = s.load("p unix - n n - - pipe flags=D user=nobody size=40 argv=/bin/true\n");
  ASSERT_TRUE(agents.ok()) << agents.error().message;
  const Agent* a = agents->find("p");
  Message m;
  m.envelope.sender = "s@x";
  m.envelope.recipients = {rcpt_of("a@x"), rcpt_of("b@x")};
  m.content = "Delivered-To: A@x\n\nhi\n";
  Outcome two = a->deliver({m, {0, 1}, "p", "x", 0});
  ASSERT_EQ(two.results.size(), 2u);
  EXPECT_EQ(two.results[1].kind, DeliveryResult::deferred);
  EXPECT_EQ(two.results[1].text,
            "mail system configuration error: pipe flag 'D' requires p_destination_recipient_limit = 1");
  Outcome loop = a->deliver({m, {0}, "p", "x", 0});
  EXPECT_EQ(loop.results[0].kind, DeliveryResult::bounced);
  EXPECT_EQ(loop.results[0].text, "mail forwarding loop for a@x");
  Outcome ok = a->deliver({m, {1}, "p", "x", 0});
  EXPECT_EQ(ok.results[0].kind, DeliveryResult::sent) << ok.results[0].text;
  m.content += std::string(40, 'x');
  Outcome big = a->deliver({m, {1}, "p", "x", 0});
  EXPECT_EQ(big.results[0].kind, DeliveryResult::bounced);
  EXPECT_EQ(big.results[0].dsn, "5.2.3");
  EXPECT_EQ(big.results[0].text, "message too large");
}

}  // namespace
}  // namespace tern::delivery
