// milter::Session against a scripted milter peer: a Unix socket in a temp dir served by a
// thread here that answers each command from its script (else SMFIR_CONTINUE) and records
// what the MTA sent. Walks each reply kind, the no-reply steps, progress, timeouts, a
// milter that hangs up, one that is not there, and the default actions.
#include <gtest/gtest.h>

#include <atomic>

#include "../temp_dir.hpp"
#include "milter/driver.hpp"
#include "scripted_peer.hpp"

namespace tern::milter {
namespace {

using namespace std::string_literals;
using scripted::pkt;
using scripted::be32;
using scripted::run;
using scripted::ScriptedPeer;

class MilterDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.milters.push_back(Endpoint{"unix:" + dir_.file("milter"), true, dir_.file("milter"), {}, 0});
    settings_.command_timeout = std::chrono::seconds(1);
    settings_.content_timeout = std::chrono::seconds(1);
    settings_.connect_timeout = std::chrono::seconds(1);
    settings_.macros[size_t(MacroStage::connect)] = {"j", "{daemon_name}", "{unset}"};
    settings_.macros[size_t(MacroStage::rcpt)] = {"i", "{rcpt_addr}"};
    settings_.macro_defaults = {{"{unset}", "default"}};
    values_ = {{"j", "mx.example.test"}, {"{daemon_name}", "inbound"}, {"i", "QID1"},
               {"{rcpt_addr}", "a@example.test"}};
  }
  ScriptedPeer& peer(uint32_t actions = action::all, uint32_t steps = 0) {
    peer_ = std::make_unique<ScriptedPeer>(dir_.file("milter"), actions, steps);
    return *peer_;
  }
  std::unique_ptr<Session> session() {
    peer_->start();
    return std::make_unique<Session>(io_.get_executor(), settings_, log_, values_);
  }
  // connect, HELO, MAIL, RCPT, DATA: the first refusal (or the last verdict).
  Verdict envelope(Session& s) {
    for (auto step : {0, 1, 2, 3, 4}) {
      Verdict v;
      if (step == 0) v = run(io_, s.connect(ConnectInfo{"client.example", "192.0.2.1", 2525, false}));
      if (step == 1) v = run(io_, s.helo("client.example"));
      if (step == 2) v = run(io_, s.mail({"<s@example.org>", "BODY=8BITMIME"}));
      if (step == 3) v = run(io_, s.rcpt({"<a@example.test>"}));
      if (step == 4) v = run(io_, s.data());
      if (!v.proceed() || step == 4) return v;
    }
    return {};
  }
  Message message() {
    Message m;
    m.envelope.sender = "s@example.org";
    m.envelope.recipients = {Recipient{"a@example.test"}};
    m.content = "Received: from x\nSubject: hello\n\nline 1\nline 2\n";
    return m;
  }

  tern::testing::TempDir dir_;
  asio::io_context io_;
  Settings settings_;
  MacroValues values_;
  log::Logger log_{"smtpd"};
  std::unique_ptr<ScriptedPeer> peer_;
};

TEST_F(MilterDriver, WholeTransactionWithModifications) {
  auto& p = peer();
  p.script('E', pkt('h', "X-Scanned\0yes\0"s) + pkt('p') + pkt('m', be32(1) + "Subject\0changed\0"s) +
                    pkt('b', "new\r\n") + pkt('+', "<b@example.test>\0"s) + pkt('e', "<new@example.org>\0"s) +
                    pkt('a'));
  auto s = session();
  EXPECT_TRUE(envelope(*s).proceed());
  Message m = message();
  auto v = run(io_, s->end_of_message(m));
  EXPECT_TRUE(v.proceed());
  EXPECT_FALSE(v.hold);
  EXPECT_EQ(m.content, "Received: from x\nSubject: changed\nX-Scanned: yes\n\nnew\n");
  EXPECT_EQ(m.envelope.sender, "new@example.org");
  ASSERT_EQ(m.envelope.recipients.size(), 2u);
  run(io_, s->quit());
  // QUIT wants no reply: wait until the peer has read it.
  for (int i = 0; i < 200 && p.letters().back() != 'Q'; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(p.letters(), "CHMRTLLNBEQ");
  auto c = p.macros('C');
  EXPECT_EQ(c["j"], "mx.example.test");
  EXPECT_EQ(c["{daemon_name}"], "inbound");
  EXPECT_EQ(c["{unset}"], "default");
  EXPECT_EQ(p.macros('R')["i"], "QID1");
}

TEST_F(MilterDriver, RefusalsAtEachStage) {
  struct Case {
    char letter;
    std::string reply;
    int code;
    std::string text;
  } cases[] = {
      {'C', pkt('r'), 550, "Command rejected"},
      {'H', pkt('t'), 451, "Service unavailable - try again later"},
      {'M', pkt('y', "452 4.3.1 full\0"s), 452, "4.3.1 full"},
      {'R', pkt('y', "550-5.7.1 one\r\n550 5.7.1 two\0"s), 550, "5.7.1 one\n5.7.1 two"},
      {'T', pkt('r'), 550, "Command rejected"},
  };
  for (const auto& c : cases) {
    auto& p = peer();
    p.script(c.letter, c.reply);
    auto s = session();
    auto v = envelope(*s);
    ASSERT_TRUE(v.reply) << c.letter;
    EXPECT_EQ(v.reply->code, c.code);
    EXPECT_EQ(v.reply->text, c.text);
    EXPECT_EQ(v.milter, settings_.milters[0].spec);
    s.reset();
    peer_.reset();
    ::unlink(dir_.file("milter").c_str());
  }
}

TEST_F(MilterDriver, DiscardQuarantineAndEndOfMessageReject) {
  {
    auto& p = peer();
    p.script('R', pkt('d'));
    auto s = session();
    EXPECT_TRUE(envelope(*s).discard);
  }
  peer_.reset();
  ::unlink(dir_.file("milter").c_str());
  {
    auto& p = peer();
    p.script('E', pkt('q', "suspicious\0"s) + pkt('c'));
    auto s = session();
    (void)envelope(*s);
    Message m = message();
    auto v = run(io_, s->end_of_message(m));
    EXPECT_TRUE(v.hold);
    EXPECT_EQ(v.hold_reason, "suspicious");
  }
  peer_.reset();
  ::unlink(dir_.file("milter").c_str());
  {
    auto& p = peer();
    p.script('B', pkt('y', "554 5.7.1 spam\0"s));
    auto s = session();
    (void)envelope(*s);
    Message m = message();
    auto v = run(io_, s->end_of_message(m));
    ASSERT_TRUE(v.reply);
    EXPECT_EQ(v.reply->code, 554);
    EXPECT_EQ(p.letters().find('E'), std::string::npos);  // no end of message after the refusal (ABORT instead)
  }
}

TEST_F(MilterDriver, DeclinedAndUnansweredSteps) {
  auto& p = peer(action::add_headers, step::no_helo | step::no_body | step::nr_header | step::no_data);
  auto s = session();
  EXPECT_TRUE(envelope(*s).proceed());
  Message m = message();
  EXPECT_TRUE(run(io_, s->end_of_message(m)).proceed());
  EXPECT_EQ(p.letters(), "CMRLLNE");
}

TEST_F(MilterDriver, AcceptAtConnectLeavesTheMilterOut) {
  auto& p = peer();
  p.script('C', pkt('a'));
  auto s = session();
  EXPECT_TRUE(envelope(*s).proceed());
  Message m = message();
  EXPECT_TRUE(run(io_, s->end_of_message(m)).proceed());
  EXPECT_FALSE(s->active());
  EXPECT_EQ(p.letters(), "C");
}

TEST_F(MilterDriver, RefusedUnknownCommandAndRecipientEndNothingElse) {
  auto& p = peer();
  p.script('U', pkt('y', "502 5.5.2 no such command\0"s));
  p.script('R', pkt('t'));
  p.script('E', pkt('h', "X-Seen\0yes\0"s) + pkt('c'));
  auto s = session();
  EXPECT_TRUE(run(io_, s->connect(ConnectInfo{"client.example", "192.0.2.1", 2525, false})).proceed());
  auto u = run(io_, s->unknown("XYZZY"));
  ASSERT_TRUE(u.reply);
  EXPECT_EQ(u.reply->code, 502);
  EXPECT_TRUE(run(io_, s->mail({"<s@example.org>"})).proceed());
  auto r = run(io_, s->rcpt({"<a@example.test>"}));
  ASSERT_TRUE(r.reply);
  EXPECT_EQ(r.reply->code, 451);
  EXPECT_TRUE(run(io_, s->rcpt({"<b@example.test>"})).proceed());
  Message m = message();
  EXPECT_TRUE(run(io_, s->end_of_message(m)).proceed());
  EXPECT_NE(m.content.find("X-Seen: yes\n"), std::string::npos);
  EXPECT_EQ(p.letters().substr(0, 5), "CUMRR");
}

TEST_F(MilterDriver, FailuresTakeTheDefaultAction) {
  struct Case {
    const char* what;
    DefaultAction action;
    std::function<void(ScriptedPeer&)> setup;
  } cases[] = {
      {"timeout", DefaultAction::tempfail, [](ScriptedPeer& p) { p.delay('M', 2500); }},
      {"hang-up", DefaultAction::reject, [](ScriptedPeer& p) { p.hang_up_at('R'); }},
      {"malformed", DefaultAction::tempfail, [](ScriptedPeer& p) { p.script('H', pkt('y', "250 fine\0"s)); }},
      {"modification outside end of message", DefaultAction::reject,
       [](ScriptedPeer& p) { p.script('M', pkt('h', "X\0y\0"s)); }},
      {"discard at connect", DefaultAction::tempfail, [](ScriptedPeer& p) { p.script('C', pkt('d')); }},
  };
  for (const auto& c : cases) {
    settings_.default_action = c.action;
    c.setup(peer());
    auto s = session();
    auto v = envelope(*s);
    ASSERT_TRUE(v.reply) << c.what;
    EXPECT_EQ(v.reply->code, c.action == DefaultAction::reject ? 550 : 451) << c.what;
    s.reset();
    peer_.reset();
    ::unlink(dir_.file("milter").c_str());
  }
}

TEST_F(MilterDriver, UnreachableMilter) {
  settings_.default_action = DefaultAction::accept;
  Session s(io_.get_executor(), settings_, log_, values_);
  EXPECT_TRUE(envelope(s).proceed());
  EXPECT_FALSE(s.active());
  settings_.default_action = DefaultAction::quarantine;
  Session q(io_.get_executor(), settings_, log_, values_);
  EXPECT_TRUE(envelope(q).proceed());
  Message m = message();
  auto v = run(io_, q.end_of_message(m));
  EXPECT_TRUE(v.proceed());
  EXPECT_TRUE(v.hold);
}

}  // namespace
}  // namespace tern::milter
