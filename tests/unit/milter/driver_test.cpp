// milter::Session against a scripted milter peer: a Unix socket in a temp dir served by a
// thread here that answers each command from its script (else SMFIR_CONTINUE) and records
// what the MTA sent. Walks each reply kind, the no-reply steps, progress, timeouts, a
// milter that hangs up, one that is not there, and the default actions.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "../temp_dir.hpp"
#include "milter/driver.hpp"

namespace tern::milter {
namespace {

using namespace std::string_literals;

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }
std::string pkt(char c, const std::string& p = {}) { return be32(uint32_t(p.size() + 1)) + c + p; }

class ScriptedPeer {
 public:
  ScriptedPeer(std::string path, uint32_t actions, uint32_t steps) : path_(std::move(path)) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 4) != 0)
      std::abort();
    optneg_ = pkt('O', be32(6) + be32(actions) + be32(steps));
    steps_ = steps;
  }
  ~ScriptedPeer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    if (thread_.joinable()) thread_.join();
  }
  // Replies for the next command `letter` (each call adds one answer, in order).
  void script(char letter, std::string replies) { script_[letter].push_back(std::move(replies)); }
  void delay(char letter, int ms) { delay_[letter] = ms; }
  void hang_up_at(char letter) { hang_up_ = letter; }
  void start() { thread_ = std::thread([this] { serve(); }); }
  std::string letters() {
    std::lock_guard l(mu_);
    return letters_;
  }
  std::map<std::string, std::string> macros(char for_command) {
    std::lock_guard l(mu_);
    return macros_[for_command];
  }

 private:
  bool read_n(int fd, std::string& out, size_t n) {
    out.resize(n);
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::read(fd, out.data() + got, n - got);
      if (r <= 0) return false;
      got += size_t(r);
    }
    return true;
  }
  void serve() {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string len, body;
    while (read_n(fd, len, 4)) {
      uint32_t n = uint32_t(uint8_t(len[0])) << 24 | uint32_t(uint8_t(len[1])) << 16 | uint32_t(uint8_t(len[2])) << 8 |
                   uint8_t(len[3]);
      if (!read_n(fd, body, n)) break;
      char c = body[0];
      if (c == 'O') {
        (void)!::send(fd, optneg_.data(), optneg_.size(), MSG_NOSIGNAL);
        continue;
      }
      if (c == 'D') {
        std::lock_guard l(mu_);
        auto& m = macros_[body[1]];
        size_t pos = 2;
        while (pos < body.size()) {
          auto nul = body.find('\0', pos);
          auto nul2 = body.find('\0', nul + 1);
          m[body.substr(pos, nul - pos)] = body.substr(nul + 1, nul2 - nul - 1);
          pos = nul2 + 1;
        }
        continue;
      }
      {
        std::lock_guard l(mu_);
        letters_ += c;
      }
      if (c == hang_up_) break;
      bool no_reply = c == 'A' || c == 'K' || c == 'Q' || (c == 'L' && (steps_ & step::nr_header));
      if (c == 'Q') break;
      if (no_reply) continue;
      if (delay_.count(c)) std::this_thread::sleep_for(std::chrono::milliseconds(delay_[c]));
      std::string reply = pkt('c');
      if (!script_[c].empty()) {
        reply = script_[c].front();
        script_[c].erase(script_[c].begin());
      }
      if (::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) break;
    }
    ::close(fd);
  }

  std::string path_;
  int listen_fd_ = -1;
  std::string optneg_;
  uint32_t steps_ = 0;
  std::map<char, std::vector<std::string>> script_;
  std::map<char, int> delay_;
  char hang_up_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string letters_;
  std::map<char, std::map<std::string, std::string>> macros_;
};

template <class T>
T run(asio::io_context& io, asio::awaitable<T> a) {
  auto f = asio::co_spawn(io, std::move(a), asio::use_future);
  io.restart();
  io.run();
  return f.get();
}

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
