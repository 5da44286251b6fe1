// The queue side of non_smtpd_milters: a local submission (pickup's submit) passes the
// milters after cleanup, run as the queue role runs them (milter::filter_local_submission on
// an io_context), against the scripted milter peer. An added header is queued; a reject is
// the refusal and a bounce to the sender, nothing else queued; a tempfail is an error (the
// maildrop file stays); discard and quarantine; SMTP mail is not sent to the milters.
#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include "../milter/scripted_peer.hpp"
#include "../temp_dir.hpp"
#include "base/queue_id.hpp"
#include "base/time.hpp"
#include "config/config.hpp"
#include "message/receive_overrides.hpp"
#include "milter/local_submission.hpp"
#include "queue/manager.hpp"

namespace tern::queue {
namespace {

using namespace std::string_literals;
using milter::scripted::pkt;
using milter::scripted::ScriptedPeer;

// A MemoryStore that keeps a copy of each committed message.
class RecordingStore : public Store {
 public:
  std::unique_ptr<Store> inner = make_memory_store();
  std::vector<Message> committed;
  std::vector<Status> commit(std::span<const Message* const> ms) override {
    for (const Message* m : ms) committed.push_back(*m);
    return inner->commit(ms);
  }
  Status append(const std::string& id, QueueName q, const std::string& r) override { return inner->append(id, q, r); }
  Status move(const std::string& id, QueueName f, QueueName t, double n) override { return inner->move(id, f, t, n); }
  Status remove(const std::string& id, QueueName q) override { return inner->remove(id, q); }
  ParsedFile load(const std::string& id, QueueName q) override { return inner->load(id, q); }
  std::vector<StoredRef> list(QueueName q) override { return inner->list(q); }
};

// As the queue role runs them (daemon/queue_role.cpp).
MilterOutcome outcome(const milter::Verdict& v) {
  MilterOutcome o;
  o.discard = v.discard;
  o.hold = v.hold;
  o.hold_reason = v.hold_reason;
  if (v.reply) o.reply = std::to_string(v.reply->code) + " " + v.reply->text;
  return o;
}

asio::awaitable<void> run_milters(asio::any_io_executor ex, std::shared_ptr<const milter::Settings> ms,
                                  std::string host, std::shared_ptr<Message> m,
                                  std::function<void(MilterOutcome)> done, const log::Logger& log) {
  auto v = co_await milter::filter_local_submission(ex, *ms, log, std::move(host), *m);
  done(outcome(v));
}

class NonSmtpdMilters : public ::testing::Test {
 protected:
  void SetUp() override { start(""); }
  // Loads main.cf (with `extra` lines) and makes the manager over it.
  void start(const std::string& extra) {
    dir.write("passwd", "alice:x:1000:1000:Alice:" + dir.file("home/alice") + ":/bin/sh\n");
    // No local delivery service: committed mail stays deferred, the store shows what was queued.
    dir.write("master.cf", "smtp inet n - n - - smtpd\nqmgr unix n - n 300 1 qmgr\n");
    dir.write("main.cf", "myhostname = mail.example.test\nmydomain = example.test\nmyorigin = $mydomain\n"
                         "mydestination = $mydomain\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
                         "local_passwd_file = " + dir.file("passwd") + "\nalias_maps =\n"
                         "queue_directory = " + dir.file("spool") + "\nmail_owner = nobody\n"
                         "milter_command_timeout = 2s\nmilter_content_timeout = 2s\n"
                         "non_smtpd_milters = unix:" + dir.file("milter") + "\n" + extra);
    auto cfg = config::load(config::LoadOptions{dir.path()});
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto s = make_settings(*cfg);
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE((*s)->non_smtpd_milters);
    auto inline_run = [](Task t) { t(); };
    qm = std::make_unique<QueueManager>(store, Executors{inline_run, inline_run, inline_run}, *s);
    qm->set_milter_run([this](std::shared_ptr<const milter::Settings> ms, const std::string& host,
                              std::shared_ptr<Message> m, std::function<void(MilterOutcome)> done) {
      ++milter_runs;
      asio::co_spawn(io, run_milters(io.get_executor(), ms, host, m, done, log), asio::detached);
    });
  }
  ScriptedPeer& peer() {
      ::unlink(dir.file("milter").c_str());  // a previous peer's socket
    peer_ = std::make_unique<ScriptedPeer>(dir.file("milter"), milter::action::all, 0);
    peer_->start();
    return *peer_;
  }
  static std::shared_ptr<Message> local_message(const std::string& protocol = "LOCAL") {
    auto m = std::make_shared<Message>();
    m->envelope.queue_id = make_queue_id();
    m->envelope.sender = "alice@example.test";
    m->envelope.recipients = {Recipient{"someone@elsewhere.example"}};
    m->envelope.arrival = now_seconds();
    m->envelope.client = ClientInfo{"localhost", "127.0.0.1", 0, "", protocol};
    m->content = "From: alice@example.test\nSubject: hi\n\nbody\n";
    return m;
  }
  // Submits as pickup does (or as smtpd's link does: `local` false) and runs the milters.
  Submitted submit(std::shared_ptr<Message> m, bool local = true) {
    int calls = 0;
    Submitted got;
    qm->submit(std::move(m), [&](const Submitted& s) {
      ++calls;
      got = s;
    }, true, local);
    io.run();
    EXPECT_EQ(calls, 1);
    return got;
  }

  tern::testing::TempDir dir;
  RecordingStore store;
  asio::io_context io;
  log::Logger log{"cleanup"};
  std::unique_ptr<QueueManager> qm;
  std::unique_ptr<ScriptedPeer> peer_;
  int milter_runs = 0;
};

TEST_F(NonSmtpdMilters, AddedHeaderIsQueued) {
  auto& p = peer();
  p.script('E', pkt('h', "X-Milter\0local\0"s) + pkt('c'));
  auto got = submit(local_message());
  EXPECT_TRUE(got.status.ok());
  EXPECT_TRUE(got.refusal.empty());
  ASSERT_EQ(store.committed.size(), 1u);
  EXPECT_NE(store.committed[0].content.find("X-Milter: local\n"), std::string::npos);
  // The milter saw the message as cleanup made it: Message-ID and Date were added first.
  EXPECT_NE(store.committed[0].content.find("Message-Id: "), std::string::npos);
  EXPECT_EQ(p.letters().substr(0, 5), "CHMRT");
}

TEST_F(NonSmtpdMilters, RejectIsTheRefusalAndABounce) {
  peer().script('E', pkt('y', "554 5.7.1 no local spam\0"s));
  auto got = submit(local_message());
  EXPECT_TRUE(got.status.ok());
  EXPECT_EQ(got.refusal, "554 5.7.1 no local spam");
  ASSERT_EQ(store.committed.size(), 1u);  // only the bounce, to the sender
  EXPECT_EQ(store.committed[0].envelope.sender, "");
  ASSERT_EQ(store.committed[0].envelope.recipients.size(), 1u);
  EXPECT_EQ(store.committed[0].envelope.recipients[0].address, "alice@example.test");
  EXPECT_NE(store.committed[0].content.find("no local spam"), std::string::npos);
}

TEST_F(NonSmtpdMilters, TempfailIsAnErrorAndNothingIsQueued) {
  peer().script('M', pkt('t'));
  auto got = submit(local_message());
  EXPECT_FALSE(got.status.ok());
  EXPECT_TRUE(store.committed.empty());
}

TEST_F(NonSmtpdMilters, DiscardAndQuarantine) {
  peer().script('E', pkt('d'));
  auto got = submit(local_message());
  EXPECT_TRUE(got.status.ok());
  EXPECT_TRUE(got.refusal.empty());
  EXPECT_TRUE(store.committed.empty());
  io.restart();
  peer().script('E', pkt('q', "check me\0"s) + pkt('c'));
  auto m = local_message();
  std::string id = m->envelope.queue_id;
  EXPECT_TRUE(submit(m).status.ok());
  ASSERT_EQ(store.committed.size(), 1u);
  EXPECT_TRUE(store.committed[0].envelope.hold);
}

TEST_F(NonSmtpdMilters, AddedRecipientIsRewrittenAndSmtpMailIsNotFiltered) {
  peer().script('E', pkt('+', "<root>\0"s) + pkt('c'));
  EXPECT_TRUE(submit(local_message()).status.ok());
  ASSERT_EQ(store.committed.size(), 1u);
  ASSERT_EQ(store.committed[0].envelope.recipients.size(), 2u);
  EXPECT_EQ(store.committed[0].envelope.recipients[1].address, "root@example.test");  // myorigin appended
  io.restart();
  EXPECT_TRUE(submit(local_message("ESMTP"), false).status.ok());
  EXPECT_EQ(milter_runs, 1);
  EXPECT_EQ(store.committed.size(), 2u);
}

TEST_F(NonSmtpdMilters, NoMiltersOverrideSkipsThem) {
  auto m = local_message();
  auto overrides = ReceiveOverrides::parse({"no_milters"});
  ASSERT_TRUE(overrides.ok());
  overrides->mark(m->envelope);  // as pickup marks its mail with main.cf's receive_override_options
  EXPECT_TRUE(submit(m).status.ok());  // no milter listens: it would be a tempfail
  EXPECT_EQ(milter_runs, 0);
  EXPECT_EQ(store.committed.size(), 1u);
}

}  // namespace
}  // namespace tern::queue
