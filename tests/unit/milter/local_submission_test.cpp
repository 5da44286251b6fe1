// filter_local_submission against the scripted milter peer: the emulated SMTP stages and
// the local macros a milter sees for sendmail mail, the edits applied, and each way the
// message can end (refused at a recipient, discarded, quarantined, a milter that fails).
#include "milter/local_submission.hpp"

#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "scripted_peer.hpp"

namespace tern::milter {
namespace {

using namespace std::string_literals;
using scripted::pkt;
using scripted::run;
using scripted::ScriptedPeer;

class LocalSubmissionMilters : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.milters.push_back(Endpoint{"unix:" + dir_.file("milter"), true, dir_.file("milter"), {}, 0});
    settings_.command_timeout = settings_.content_timeout = settings_.connect_timeout = std::chrono::seconds(1);
    settings_.macros[size_t(MacroStage::connect)] = {"j", "{daemon_name}", "{client_addr}", "{client_name}"};
    settings_.macros[size_t(MacroStage::mail)] = {"i", "{mail_addr}"};
    settings_.macros[size_t(MacroStage::rcpt)] = {"{rcpt_addr}"};
    settings_.daemon_name = "pickup-host";
    m_.envelope.queue_id = "QID9";
    m_.envelope.sender = "alice@example.test";
    m_.envelope.recipients = {Recipient{"bob@example.test"}, Recipient{"carol@example.test"}};
    m_.content = "From: alice@example.test\nSubject: hi\n\nbody\n";
  }
  ScriptedPeer& peer(uint32_t actions = action::all, uint32_t steps = 0) {
      ::unlink(dir_.file("milter").c_str());  // a previous peer's socket
    peer_ = std::make_unique<ScriptedPeer>(dir_.file("milter"), actions, steps);
    peer_->start();
    return *peer_;
  }
  // QUIT and ABORT get no reply: the peer's thread may read them after filter() returned.
  static std::string letters_when_quit(ScriptedPeer& p) {
    for (int i = 0; i < 200 && (p.letters().empty() || p.letters().back() != 'Q'); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return p.letters();
  }
  Verdict filter() {
    return run(io_, filter_local_submission(io_.get_executor(), settings_, log_, "mx.example.test", m_));
  }

  tern::testing::TempDir dir_;
  asio::io_context io_;
  Settings settings_;
  log::Logger log_{"cleanup"};
  Message m_;
  std::unique_ptr<ScriptedPeer> peer_;
};

TEST_F(LocalSubmissionMilters, StagesMacrosAndEdits) {
  auto& p = peer();
  p.script('E', pkt('h', "X-Local\0seen\0"s) + pkt('+', "<dave@example.test>\0"s) + pkt('c'));
  auto v = filter();
  EXPECT_TRUE(v.proceed());
  EXPECT_FALSE(v.hold);
  // connect, HELO, MAIL, two RCPTs, DATA, two headers, end of headers, body, end, QUIT.
  EXPECT_EQ(letters_when_quit(p), "CHMRRTLLNBEQ");
  auto c = p.macros('C');
  EXPECT_EQ(c["j"], "mx.example.test");
  EXPECT_EQ(c["{daemon_name}"], "pickup-host");
  EXPECT_EQ(c["{client_addr}"], "127.0.0.1");
  EXPECT_EQ(c["{client_name}"], "localhost");
  EXPECT_EQ(p.macros('M')["i"], "QID9");
  EXPECT_EQ(p.macros('M')["{mail_addr}"], "alice@example.test");
  EXPECT_EQ(p.macros('R')["{rcpt_addr}"], "carol@example.test");  // the last RCPT's
  EXPECT_NE(m_.content.find("X-Local: seen\n"), std::string::npos);
  ASSERT_EQ(m_.envelope.recipients.size(), 3u);
  EXPECT_EQ(m_.envelope.recipients[2].address, "dave@example.test");
}

TEST_F(LocalSubmissionMilters, ARefusedRecipientRefusesTheMessage) {
  auto& p = peer();
  p.script('R', pkt('c'));
  p.script('R', pkt('y', "550 5.7.1 not carol\0"s));
  auto v = filter();
  ASSERT_TRUE(v.reply);
  EXPECT_EQ(v.reply->code, 550);
  EXPECT_EQ(v.reply->text, "5.7.1 not carol");
  EXPECT_EQ(letters_when_quit(p), "CHMRRAQ");  // no DATA, no content; the transaction is aborted
  EXPECT_EQ(m_.content.find("X-"), std::string::npos);
}

TEST_F(LocalSubmissionMilters, DiscardAndQuarantineAtTheEnd) {
  auto& p = peer();
  p.script('E', pkt('d'));
  EXPECT_TRUE(filter().discard);
  auto& q = peer();
  q.script('E', pkt('q', "looks odd\0"s) + pkt('c'));
  auto v = filter();
  EXPECT_TRUE(v.proceed());
  EXPECT_TRUE(v.hold);
  EXPECT_EQ(v.hold_reason, "looks odd");
}

TEST_F(LocalSubmissionMilters, AMilterThatIsNotThereTakesTheDefaultAction) {
  settings_.default_action = DefaultAction::tempfail;  // no peer listens on the socket
  auto v = filter();
  ASSERT_TRUE(v.reply);
  EXPECT_EQ(v.reply->code, 451);
  settings_.default_action = DefaultAction::quarantine;
  v = filter();
  EXPECT_TRUE(v.proceed());
  EXPECT_TRUE(v.hold);  // decided at connect, kept through the end of the message
  settings_.default_action = DefaultAction::accept;
  v = filter();
  EXPECT_TRUE(v.proceed());
  EXPECT_FALSE(v.hold);
}

}  // namespace
}  // namespace tern::milter
