// The queue manager end to end in one thread: a MemoryStore, executors that run every task
// inline, a configuration loaded from a scratch directory, and local delivery into real
// Maildirs under it. Remote domains are not deliverable yet, so mail to them is the
// source of deferrals, expiry and delay notices here.
#include "queue/manager.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "../temp_dir.hpp"
#include "base/queue_id.hpp"
#include "base/time.hpp"
#include "config/config.hpp"
#include "queue/queue_file.hpp"

namespace tern::queue {
namespace {

// The test master.cf has no smtp delivery service, so remote mail is deferred with this.
const std::string kNoSmtpService = "mail transport unavailable: no master.cf service named \"smtp\"";

namespace fs = std::filesystem;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class Manager : public ::testing::Test {
 protected:
  testing::TempDir dir;
  std::unique_ptr<Store> store = make_memory_store();
  std::shared_ptr<const ManagerSettings> settings;
  std::unique_ptr<QueueManager> qm;
  std::map<std::string, std::string> params;
  // With queue_workers set, deliveries wait in worker_tasks until run_workers() (the
  // main and commit executors still run inline).
  bool queue_workers = false;
  std::deque<Task> worker_tasks;

  void SetUp() override {
    params = {
        {"myhostname", "mail.example.test"},
        {"mydomain", "example.test"},
        {"myorigin", "$mydomain"},
        {"mydestination", "localhost, $mydomain"},
        {"inet_interfaces", "127.0.0.1"},
        {"inet_protocols", "ipv4"},
        {"mynetworks", "127.0.0.1/32"},
        {"local_passwd_file", dir.file("passwd")},
        {"alias_maps",
         "inline:{ postmaster=alice, root=alice, ghost=nobody-here, ghost2=nobody-either, list-bounces=bob }"},
        {"home_mailbox", "Maildir/"},
        {"recipient_delimiter", "+"},
        {"queue_directory", dir.file("spool")},
        {"mail_owner", "nobody"},
        // The worker pool follows default_process_limit; two keeps the scheduling tests small.
        {"default_process_limit", "2"},
    };
    dir.write("passwd", "alice:x:1000:1000:Alice:" + dir.file("home/alice") + ":/bin/sh\n" +
                            "bob:x:1001:1001:Bob:" + dir.file("home/bob") + ":/bin/sh\n");
    dir.write("master.cf", "smtp inet n - n - - smtpd\nqmgr unix n - n 300 1 qmgr\nlocal unix - n n - - local\n");
  }

  // Loads the configuration (params plus `extra`) and makes a manager over it.
  void start(const std::map<std::string, std::string>& extra = {}) {
    for (const auto& [k, v] : extra) params[k] = v;
    std::string text;
    for (const auto& [k, v] : params) text += k + " = " + v + "\n";
    dir.write("main.cf", text);
    auto cfg = config::load(config::LoadOptions{dir.path()});
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto s = make_settings(*cfg);
    ASSERT_TRUE(s.ok()) << s.error().message;
    settings = *s;
    auto inline_run = [](Task t) { t(); };
    auto worker = [this](Task t) {
      if (queue_workers) worker_tasks.push_back(std::move(t));
      else t();
    };
    qm = std::make_unique<QueueManager>(*store, Executors{inline_run, inline_run, worker}, settings);
  }

  // Runs queued deliveries (and those they lead to) until none are left.
  size_t run_workers() {
    size_t n = 0;
    while (!worker_tasks.empty()) {
      Task t = std::move(worker_tasks.front());
      worker_tasks.pop_front();
      t();
      ++n;
    }
    return n;
  }

  static std::shared_ptr<Message> message(const std::string& sender, std::vector<Recipient> rcpts,
                                          const std::string& subject = "hello") {
    auto m = std::make_shared<Message>();
    m->envelope.queue_id = make_queue_id();
    m->envelope.sender = sender;
    m->envelope.recipients = std::move(rcpts);
    m->envelope.arrival = now_seconds();
    m->envelope.client = ClientInfo{"unknown", "127.0.0.1", 40000, "client.test", "ESMTP"};
    m->content = "Message-ID: <" + subject + "@client.test>\n"
                 "Date: Sun, 22 Nov 2026 00:00:00 +0000\n"
                 "From: <" + sender + ">\n"
                 "Subject: " + subject + "\n"
                 "\n"
                 "The body of " + subject + ".\n";
    return m;
  }

  // Submits and checks that `done` ran once, with success.
  void submit(std::shared_ptr<Message> m) {
    int calls = 0;
    Status got = ok_status();
    qm->submit(std::move(m), [&](const Submitted& s) {
      ++calls;
      got = s.status;
    });
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(got.ok()) << got.error().message;
  }

  std::vector<std::string> mailbox(const std::string& user) {
    std::vector<std::string> names, out;
    fs::path d = dir.file("home/" + user + "/Maildir/new");
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec)) names.push_back(e.path().string());
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      std::ifstream in(n, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }

  size_t queued(QueueName q) { return store->list(q).size(); }
  bool queue_empty() {
    for (QueueName q : kAllQueues)
      if (!store->list(q).empty()) return false;
    return true;
  }
};

// The value of a "Name: value" line (first occurrence), "" when absent.
std::string field(const std::string& text, const std::string& name) {
  std::string key = "\n" + name + ": ";
  size_t p = text.find(key);
  if (p == std::string::npos) return "";
  p += key.size();
  return text.substr(p, text.find('\n', p) - p);
}

// ---- plain delivery ------------------------------------------------------------------

TEST_F(Manager, LocalMessageIsDeliveredAndRemoved) {
  start();
  auto m = message("bob@example.test", {Recipient{"alice@example.test"}}, "local-one");
  std::string id = m->envelope.queue_id;
  submit(m);
  auto box = mailbox("alice");
  ASSERT_EQ(box.size(), 1u);
  EXPECT_TRUE(box[0].starts_with("Return-Path: <bob@example.test>\n"
                                 "X-Original-To: alice@example.test\n"
                                 "Delivered-To: alice@example.test\n"))
      << box[0];
  EXPECT_TRUE(contains(box[0], "The body of local-one.")) << box[0];
  EXPECT_TRUE(queue_empty());
  EXPECT_TRUE(qm->idle());
  EXPECT_EQ(qm->active(), 0u);
  EXPECT_TRUE(mailbox("bob").empty());
}

TEST_F(Manager, SeveralLocalRecipientsEachDeliveredOnce) {
  start({{"local_destination_concurrency_limit", "1"}});
  auto m = message("sender@example.org",
                   {Recipient{"alice@example.test"}, Recipient{"bob@example.test"}, Recipient{"root@example.test"}},
                   "three");
  submit(m);
  EXPECT_EQ(mailbox("alice").size(), 2u);  // alice, and root via the alias
  EXPECT_EQ(mailbox("bob").size(), 1u);
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, ManyMessagesDrainThroughTheScheduler) {
  start();
  for (int i = 0; i < 30; ++i)
    submit(message("sender@example.org", {Recipient{i % 2 ? "alice@example.test" : "bob@example.test"}},
                   "many" + std::to_string(i)));
  EXPECT_EQ(mailbox("alice").size(), 15u);
  EXPECT_EQ(mailbox("bob").size(), 15u);
  EXPECT_TRUE(queue_empty());
  EXPECT_TRUE(qm->idle());
}

TEST_F(Manager, RecoverDeliversWhatIsAlreadyInActive) {
  start();
  auto m = message("sender@example.org", {Recipient{"bob@example.test"}}, "recovered");
  std::vector<const Message*> batch{m.get()};
  ASSERT_TRUE(store->commit(batch)[0].ok());
  EXPECT_EQ(queued(QueueName::active), 1u);
  qm->recover();
  EXPECT_EQ(mailbox("bob").size(), 1u);
  EXPECT_TRUE(queue_empty());
}

// ORCPT belongs in DSNs; X-Original-To is the recipient as given (Postfix's orig_rcpt).
TEST_F(Manager, OrcptDoesNotBecomeXOriginalTo) {
  start();
  submit(message("bob@example.test", {Recipient{"alice@example.test", "rfc822;alice-orig@example.test"}}, "orcpt"));
  auto box = mailbox("alice");
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(field("\n" + box[0], "X-Original-To"), "alice@example.test") << box[0];
}

// ---- bounces -------------------------------------------------------------------------

TEST_F(Manager, AliasToMissingUserBouncesAndTheSenderGetsADsn) {
  start();
  auto m = message("bob@example.test", {Recipient{"ghost@example.test"}}, "to-ghost");
  std::string id = m->envelope.queue_id;
  submit(m);
  auto box = mailbox("bob");
  ASSERT_EQ(box.size(), 1u);
  const std::string& dsn = box[0];
  EXPECT_TRUE(dsn.starts_with("Return-Path: <>\n")) << dsn;
  EXPECT_EQ(field(dsn, "Subject"), "Undelivered Mail Returned to Sender");
  EXPECT_EQ(field(dsn, "To"), "bob@example.test");
  EXPECT_TRUE(contains(dsn, "report-type=delivery-status")) << dsn;
  EXPECT_EQ(field(dsn, "X-Tern-Queue-ID"), id);
  EXPECT_EQ(field(dsn, "Final-Recipient"), "rfc822; ghost@example.test");
  EXPECT_EQ(field(dsn, "Action"), "failed");
  EXPECT_EQ(field(dsn, "Status"), "5.1.1");
  EXPECT_TRUE(contains(field(dsn, "Diagnostic-Code"), "unknown user: \"nobody-here\"")) << dsn;
  // RET not given: the whole message comes back.
  EXPECT_TRUE(contains(dsn, "Content-Type: message/rfc822")) << dsn;
  EXPECT_TRUE(contains(dsn, "The body of to-ghost.")) << dsn;
  EXPECT_TRUE(mailbox("alice").empty());
  EXPECT_TRUE(queue_empty());  // the bounced message and its notice are both gone
  EXPECT_TRUE(qm->idle());
}

TEST_F(Manager, OnlyTheBouncedRecipientIsReported) {
  start();
  auto m = message("bob@example.test", {Recipient{"alice@example.test"}, Recipient{"ghost@example.test"}}, "mixed");
  submit(m);
  EXPECT_EQ(mailbox("alice").size(), 1u);
  auto box = mailbox("bob");
  ASSERT_EQ(box.size(), 1u);
  EXPECT_TRUE(contains(box[0], "Final-Recipient: rfc822; ghost@example.test")) << box[0];
  EXPECT_FALSE(contains(box[0], "Final-Recipient: rfc822; alice@example.test")) << box[0];
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, NotifyNeverSuppressesTheBounce) {
  start();
  Recipient r{"ghost@example.test"};
  r.notify = notify_never;
  submit(message("bob@example.test", {r}, "never"));
  EXPECT_TRUE(mailbox("bob").empty());
  EXPECT_TRUE(mailbox("alice").empty());
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, NotifyFailureAsksForTheBounce) {
  start();
  Recipient r{"ghost@example.test"};
  r.notify = notify_failure | notify_delay;
  submit(message("bob@example.test", {r}, "failure"));
  EXPECT_EQ(mailbox("bob").size(), 1u);
}

TEST_F(Manager, NotifySuccessOnlyMeansNoBounce) {
  start();
  Recipient r{"ghost@example.test"};
  r.notify = notify_success;
  submit(message("bob@example.test", {r}, "success-only"));
  EXPECT_TRUE(mailbox("bob").empty());
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, NullSenderGetsNoNotice) {
  start();
  submit(message("", {Recipient{"ghost@example.test"}}, "null-sender"));
  EXPECT_TRUE(mailbox("bob").empty());
  EXPECT_TRUE(mailbox("alice").empty());  // no 2bounce in notify_classes: no postmaster copy
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, DoubleBounceGoesToThePostmasterWith2bounce) {
  start({{"notify_classes", "2bounce"}});
  submit(message("", {Recipient{"ghost@example.test"}}, "double"));
  auto box = mailbox("alice");  // postmaster = alice
  ASSERT_EQ(box.size(), 1u);
  EXPECT_TRUE(box[0].starts_with("Return-Path: <double-bounce@example.test>\n")) << box[0];
  EXPECT_EQ(field(box[0], "Final-Recipient"), "rfc822; ghost@example.test");
  EXPECT_EQ(field(box[0], "Action"), "failed");
  EXPECT_TRUE(contains(box[0], "Content-Type: text/rfc822-headers")) << box[0];
  EXPECT_FALSE(contains(box[0], "The body of double.")) << box[0];
  EXPECT_TRUE(mailbox("bob").empty());
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, RetHdrsEnvidAndOrcptReachTheDsn) {
  start();
  Recipient r{"ghost@example.test", "rfc822;ghost-orig@example.test"};
  auto m = message("bob@example.test", {r}, "dsn-params");
  m->envelope.ret = "HDRS";
  m->envelope.envid = "ENV-42";
  submit(m);
  auto box = mailbox("bob");
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(field(box[0], "Original-Envelope-Id"), "ENV-42");
  EXPECT_EQ(field(box[0], "Original-Recipient"), "rfc822;ghost-orig@example.test");
  EXPECT_TRUE(contains(box[0], "Content-Type: text/rfc822-headers")) << box[0];
  EXPECT_TRUE(contains(box[0], "Subject: dsn-params")) << box[0];
  EXPECT_FALSE(contains(box[0], "The body of dsn-params.")) << box[0];
}

TEST_F(Manager, SuccessNoticeWhenAskedFor) {
  start();
  Recipient r{"alice@example.test"};
  r.notify = notify_success;
  submit(message("bob@example.test", {r}, "tell-me"));
  EXPECT_EQ(mailbox("alice").size(), 1u);
  auto box = mailbox("bob");
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(field(box[0], "Subject"), "Successful Mail Delivery Report");
  EXPECT_EQ(field(box[0], "Action"), "delivered");
  EXPECT_EQ(field(box[0], "Status"), "2.0.0");
  EXPECT_EQ(field(box[0], "Final-Recipient"), "rfc822; alice@example.test");
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, NoSuccessNoticeUnlessAskedFor) {
  start();
  submit(message("bob@example.test", {Recipient{"alice@example.test"}}, "quiet"));
  EXPECT_EQ(mailbox("alice").size(), 1u);
  EXPECT_TRUE(mailbox("bob").empty());
}

// ---- notify_classes ------------------------------------------------------------------

TEST_F(Manager, NotifyClassesBounceCopiesThePostmaster) {
  start({{"notify_classes", "bounce"}});
  submit(message("bob@example.test", {Recipient{"ghost@example.test"}}, "copied"));
  auto sender_box = mailbox("bob");
  ASSERT_EQ(sender_box.size(), 1u);
  EXPECT_TRUE(contains(sender_box[0], "The body of copied.")) << sender_box[0];
  auto pm = mailbox("alice");  // postmaster
  ASSERT_EQ(pm.size(), 1u);
  EXPECT_TRUE(pm[0].starts_with("Return-Path: <double-bounce@example.test>\n")) << pm[0];
  EXPECT_EQ(field(pm[0], "X-Original-To"), "postmaster@example.test");
  EXPECT_EQ(field(pm[0], "Final-Recipient"), "rfc822; ghost@example.test");
  EXPECT_TRUE(contains(pm[0], "Content-Type: text/rfc822-headers")) << pm[0];
  EXPECT_FALSE(contains(pm[0], "The body of copied.")) << pm[0];
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, NotifyClassesBounceCopyEvenWhenTheSenderSaidNever) {
  start({{"notify_classes", "bounce"}});
  Recipient r{"ghost@example.test"};
  r.notify = notify_never;
  submit(message("bob@example.test", {r}, "never-but-copied"));
  EXPECT_TRUE(mailbox("bob").empty());
  EXPECT_EQ(mailbox("alice").size(), 1u);
}

TEST_F(Manager, UndeliverablePostmasterCopyIsDiscardedNotLooped) {
  start({{"notify_classes", "bounce, 2bounce"}, {"bounce_notice_recipient", "nobody-at-all"}});
  submit(message("bob@example.test", {Recipient{"ghost@example.test"}}, "loop"));
  EXPECT_EQ(mailbox("bob").size(), 1u);    // the sender's bounce
  EXPECT_TRUE(mailbox("alice").empty());   // nothing about the failed copy
  EXPECT_TRUE(queue_empty());
  EXPECT_TRUE(qm->idle());
}

TEST_F(Manager, NoBounceCopyWithoutTheClass) {
  start({{"notify_classes", "resource, software"}});
  submit(message("bob@example.test", {Recipient{"ghost@example.test"}}, "uncopied"));
  EXPECT_EQ(mailbox("bob").size(), 1u);
  EXPECT_TRUE(mailbox("alice").empty());
}

// ---- VERP ----------------------------------------------------------------------------

TEST_F(Manager, VerpSenderIsTheReturnPathOnLocalDelivery) {
  start();
  auto m = message("list-bounces@example.test", {Recipient{"alice@example.test"}}, "verp-ok");
  m->envelope.verp = "+=";
  submit(m);
  auto box = mailbox("alice");
  ASSERT_EQ(box.size(), 1u);
  EXPECT_TRUE(box[0].starts_with("Return-Path: <list-bounces+alice=example.test@example.test>\n")) << box[0];
}

TEST_F(Manager, VerpBouncesGoToEachRecipientsOwnAddress) {
  start();
  auto m = message("list-bounces@example.test", {Recipient{"ghost@example.test"}, Recipient{"ghost2@example.test"}},
                   "verp-bounce");
  m->envelope.verp = "+=";
  submit(m);
  auto box = mailbox("bob");  // list-bounces is an alias of bob
  ASSERT_EQ(box.size(), 2u);
  std::map<std::string, std::string> by_rcpt;
  for (const auto& d : box) by_rcpt[field(d, "Final-Recipient")] = d;
  ASSERT_EQ(by_rcpt.size(), 2u);
  const std::string& a = by_rcpt["rfc822; ghost@example.test"];
  const std::string& b = by_rcpt["rfc822; ghost2@example.test"];
  EXPECT_EQ(field(a, "X-Original-To"), "list-bounces+ghost=example.test@example.test") << a;
  EXPECT_EQ(field(a, "To"), "list-bounces+ghost=example.test@example.test");
  EXPECT_EQ(field(b, "X-Original-To"), "list-bounces+ghost2=example.test@example.test") << b;
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, DisableVerpBouncesSendsOneBounceToTheListAddress) {
  start({{"disable_verp_bounces", "yes"}});
  auto m = message("list-bounces@example.test", {Recipient{"ghost@example.test"}, Recipient{"ghost2@example.test"}},
                   "verp-one-bounce");
  m->envelope.verp = "+=";
  submit(m);
  auto box = mailbox("bob");
  ASSERT_EQ(box.size(), 1u) << "disable_verp_bounces = yes: one bounce for all recipients";
  EXPECT_EQ(field(box[0], "X-Original-To"), "list-bounces@example.test");
  EXPECT_TRUE(contains(box[0], "Final-Recipient: rfc822; ghost@example.test")) << box[0];
  EXPECT_TRUE(contains(box[0], "Final-Recipient: rfc822; ghost2@example.test")) << box[0];
}

// ---- concurrency and the active limit through the manager ---------------------------------

TEST_F(Manager, LocalConcurrencyLimitHoldsBackASecondDeliveryToTheSameUser) {
  queue_workers = true;
  start({{"local_destination_concurrency_limit", "1"}});
  submit(message("s@example.org", {Recipient{"alice@example.test"}}, "a1"));
  submit(message("s@example.org", {Recipient{"alice@example.test"}}, "a2"));
  submit(message("s@example.org", {Recipient{"bob@example.test"}}, "b1"));
  // One delivery for alice at a time; bob's runs beside it.
  EXPECT_EQ(worker_tasks.size(), 2u);
  EXPECT_EQ(qm->active(), 3u);
  EXPECT_FALSE(qm->idle());
  EXPECT_EQ(run_workers(), 3u);
  EXPECT_EQ(mailbox("alice").size(), 2u);
  EXPECT_EQ(mailbox("bob").size(), 1u);
  EXPECT_TRUE(queue_empty());
  EXPECT_TRUE(qm->idle());
}

TEST_F(Manager, MailWaitingForOneMailboxIsDeliveredInOneRun) {
  queue_workers = true;
  start({{"local_destination_concurrency_limit", "1"}});
  for (int i = 0; i < 5; ++i) submit(message("s@example.org", {Recipient{"alice@example.test"}}, "r" + std::to_string(i)));
  EXPECT_EQ(worker_tasks.size(), 1u);  // the first; the other four wait for alice's slot
  // The first delivery, then one run for the four that waited (their Maildir writes flushed
  // together), holding alice's one slot.
  EXPECT_EQ(run_workers(), 2u);
  EXPECT_EQ(mailbox("alice").size(), 5u);
  EXPECT_TRUE(queue_empty());
  EXPECT_TRUE(qm->idle());
}

TEST_F(Manager, MaildirMailboxesTakeOneRunAtATime) {
  queue_workers = true;
  start();  // local_destination_concurrency_limit 2, home_mailbox Maildir/
  EXPECT_EQ(settings->limits.one_at_a_time.count("local"), 1u);
  for (int i = 0; i < 4; ++i) submit(message("s@example.org", {Recipient{"alice@example.test"}}, "o" + std::to_string(i)));
  EXPECT_EQ(worker_tasks.size(), 1u);  // one run in flight; the rest wait to go together
  EXPECT_EQ(run_workers(), 2u);
  EXPECT_EQ(mailbox("alice").size(), 4u);
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, AFailedMaildirInARunDefersItsMessages) {
  queue_workers = true;
  dir.write("passwd", "alice:x:1000:1000:Alice:" + dir.file("home/alice") + ":/bin/sh\n" +
                          "bob:x:1001:1001:Bob:" + dir.file("bobfile") + ":/bin/sh\n");
  dir.write("bobfile", "not a directory");
  start({{"local_destination_concurrency_limit", "1"}});
  for (int i = 0; i < 4; ++i) submit(message("s@example.org", {Recipient{"bob@example.test"}}, "b" + std::to_string(i)));
  submit(message("s@example.org", {Recipient{"alice@example.test"}}, "a"));
  EXPECT_EQ(run_workers(), 3u);  // bob's first, bob's other three in one run, alice's
  EXPECT_EQ(mailbox("alice").size(), 1u);
  EXPECT_EQ(queued(QueueName::deferred), 4u);  // all of bob's, none lost, none counted delivered
  EXPECT_TRUE(qm->idle());
}

TEST_F(Manager, WorkerCountBoundsRunningDeliveries) {
  queue_workers = true;
  start();
  ASSERT_EQ(settings->workers, 2u);
  for (const char* u : {"alice", "bob", "root", "postmaster"})
    submit(message("s@example.org", {Recipient{std::string(u) + "@example.test"}}, std::string("w-") + u));
  EXPECT_EQ(worker_tasks.size(), 2u);
  run_workers();
  EXPECT_EQ(mailbox("alice").size(), 3u);
  EXPECT_EQ(mailbox("bob").size(), 1u);
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, WorkerPoolFollowsDefaultProcessLimitWithinBounds) {
  start({{"default_process_limit", "7"}});
  EXPECT_EQ(settings->workers, 7u);
  start({{"default_process_limit", "100"}});
  EXPECT_EQ(settings->workers, 32u);
  start({{"default_process_limit", "1"}});
  EXPECT_EQ(settings->workers, 2u);
}

TEST_F(Manager, ActiveLimitKeepsTheRestOnDiskUntilThereIsRoom) {
  queue_workers = true;
  start({{"qmgr_message_active_limit", "1"}});
  for (int i = 0; i < 3; ++i) submit(message("s@example.org", {Recipient{"bob@example.test"}}, "lim" + std::to_string(i)));
  EXPECT_EQ(qm->active(), 1u);
  EXPECT_EQ(queued(QueueName::active), 3u);  // all durable, two waiting their turn
  EXPECT_EQ(worker_tasks.size(), 1u);
  run_workers();
  EXPECT_EQ(mailbox("bob").size(), 3u);
  EXPECT_TRUE(queue_empty());
  EXPECT_TRUE(qm->idle());
}

TEST_F(Manager, RecipientLimitSplitsARemoteMessageIntoJobs) {
  queue_workers = true;
  start({{"default_destination_recipient_limit", "2"}});
  std::vector<Recipient> rcpts;
  for (int i = 0; i < 5; ++i) rcpts.push_back(Recipient{"u" + std::to_string(i) + "@remote.test"});
  auto m = message("alice@example.test", rcpts, "split");
  submit(m);
  // Three jobs of at most two recipients; two start at once (two workers). The first
  // fails as a whole and throttles the destination: the third is deferred untried.
  EXPECT_EQ(worker_tasks.size(), 2u);
  EXPECT_EQ(run_workers(), 2u);
  ASSERT_EQ(queued(QueueName::deferred), 1u);
  ParsedFile pf = store->load(m->envelope.queue_id, QueueName::deferred);
  ASSERT_EQ(pf.status, ParseStatus::ok);
  for (const auto& r : pf.message.envelope.recipients) {
    EXPECT_EQ(r.state, RcptState::deferred) << r.address;
    EXPECT_EQ(r.reason, kNoSmtpService) << r.address;
  }
}

// ---- deferral, expiry, delay warnings ----------------------------------------------------

TEST_F(Manager, RemoteRecipientIsDeferredWithItsReason) {
  start();
  auto m = message("alice@example.test", {Recipient{"user@remote.test"}}, "remote");
  std::string id = m->envelope.queue_id;
  double before = now_seconds();
  submit(m);
  double after = now_seconds();
  auto deferred = store->list(QueueName::deferred);
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_EQ(deferred[0].id, id);
  // Postfix's backoff: a young message waits minimal_backoff_time (300s by default).
  EXPECT_GE(deferred[0].next_attempt, before + 300 - 1);
  EXPECT_LE(deferred[0].next_attempt, after + 300 + 1);
  EXPECT_EQ(queued(QueueName::active), 0u);
  ParsedFile pf = store->load(id, QueueName::deferred);
  ASSERT_EQ(pf.status, ParseStatus::ok) << pf.error;
  const Recipient& r = pf.message.envelope.recipients.at(0);
  EXPECT_EQ(r.state, RcptState::deferred);
  EXPECT_EQ(r.reason, kNoSmtpService);
  EXPECT_EQ(r.dsn, "4.3.0");
  EXPECT_FALSE(pf.message.envelope.delay_warned);
  EXPECT_TRUE(mailbox("alice").empty());  // no delay warning configured
  EXPECT_TRUE(qm->idle());
}

TEST_F(Manager, OldMessageWaitsLongerUpToTheMaximum) {
  start({{"minimal_backoff_time", "10s"}, {"maximal_backoff_time", "100s"}});
  auto young = message("alice@example.test", {Recipient{"a@remote.test"}}, "young");
  auto middle = message("alice@example.test", {Recipient{"b@remote.test"}}, "middle");
  auto old = message("alice@example.test", {Recipient{"c@remote.test"}}, "old");
  middle->envelope.arrival -= 50;
  old->envelope.arrival -= 1000;
  double now = now_seconds();
  submit(young);
  submit(middle);
  submit(old);
  std::map<std::string, double> next;
  for (const auto& ref : store->list(QueueName::deferred)) next[ref.id] = ref.next_attempt - now;
  ASSERT_EQ(next.size(), 3u);
  EXPECT_NEAR(next[young->envelope.queue_id], 10, 2);
  EXPECT_NEAR(next[middle->envelope.queue_id], 50, 2);
  EXPECT_NEAR(next[old->envelope.queue_id], 100, 2);
}

TEST_F(Manager, MixedMessageDeliversLocalAndDefersRemote) {
  start();
  auto m = message("bob@example.test", {Recipient{"alice@example.test"}, Recipient{"user@remote.test"}}, "mixed2");
  std::string id = m->envelope.queue_id;
  submit(m);
  EXPECT_EQ(mailbox("alice").size(), 1u);
  ASSERT_EQ(queued(QueueName::deferred), 1u);
  ParsedFile pf = store->load(id, QueueName::deferred);
  ASSERT_EQ(pf.status, ParseStatus::ok);
  EXPECT_EQ(pf.message.envelope.recipients[0].state, RcptState::done);
  EXPECT_EQ(pf.message.envelope.recipients[1].state, RcptState::deferred);
  // A retry does not deliver alice's copy again.
  qm->flush_all();
  EXPECT_EQ(mailbox("alice").size(), 1u);
  EXPECT_EQ(queued(QueueName::deferred), 1u);
}

TEST_F(Manager, ForcedExpireReturnsTheMessageToTheSender) {
  start();
  auto m = message("alice@example.test", {Recipient{"user@remote.test", "rfc822;user@remote.test"}}, "expire-me");
  std::string id = m->envelope.queue_id;
  submit(m);
  ASSERT_EQ(queued(QueueName::deferred), 1u);
  ASSERT_TRUE(mailbox("alice").empty());
  // postsuper -f: an "expire" record, then the next attempt returns it.
  ASSERT_TRUE(store->append(id, QueueName::deferred, encode_forced_expire(now_seconds())).ok());
  ASSERT_TRUE(qm->flush_id(id).ok());
  EXPECT_EQ(queued(QueueName::deferred), 0u);
  auto box = mailbox("alice");
  ASSERT_EQ(box.size(), 1u);
  const std::string& dsn = box[0];
  EXPECT_EQ(field(dsn, "Subject"), "Undelivered Mail Returned to Sender");
  EXPECT_EQ(field(dsn, "Action"), "failed");
  EXPECT_EQ(field(dsn, "Final-Recipient"), "rfc822; user@remote.test");
  EXPECT_EQ(field(dsn, "Original-Recipient"), "rfc822;user@remote.test");
  EXPECT_TRUE(field(dsn, "Status").starts_with("4.")) << dsn;  // the deferral's status, as Postfix
  EXPECT_TRUE(contains(field(dsn, "Diagnostic-Code"), "message expired after")) << dsn;
  EXPECT_TRUE(contains(field(dsn, "Diagnostic-Code"), kNoSmtpService)) << dsn;
  EXPECT_TRUE(contains(dsn, "The body of expire-me.")) << dsn;
  EXPECT_TRUE(queue_empty());
}

TEST_F(Manager, FlushIdOfAnUnknownMessageIsAnError) {
  start();
  auto st = qm->flush_id("4Yg3Nf0x5WzKJbQ");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "4Yg3Nf0x5WzKJbQ: no such deferred message");
}

TEST_F(Manager, ZeroLifetimeReturnsAtTheFirstFailure) {
  start({{"maximal_queue_lifetime", "0"}});
  auto m = message("alice@example.test", {Recipient{"user@remote.test"}}, "no-patience");
  submit(m);
  EXPECT_TRUE(queue_empty());
  auto box = mailbox("alice");
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(field(box[0], "Action"), "failed");
}

TEST_F(Manager, NullSenderMailUsesBounceQueueLifetime) {
  start({{"maximal_queue_lifetime", "5d"}, {"bounce_queue_lifetime", "0"}});
  submit(message("", {Recipient{"user@remote.test"}}, "bounce-lifetime"));
  EXPECT_TRUE(queue_empty());  // expired at once, and there is nobody to tell
  EXPECT_TRUE(mailbox("alice").empty());
  EXPECT_TRUE(mailbox("bob").empty());
  // An ordinary sender's mail is still kept.
  submit(message("bob@example.test", {Recipient{"user@remote.test"}}, "kept"));
  EXPECT_EQ(queued(QueueName::deferred), 1u);
  EXPECT_TRUE(mailbox("bob").empty());
}

TEST_F(Manager, DelayWarningIsSentOnceAndRecorded) {
  start({{"delay_warning_time", "1s"}});
  auto m = message("alice@example.test", {Recipient{"user@remote.test"}}, "slow");
  m->envelope.arrival -= 10;  // older than delay_warning_time already
  std::string id = m->envelope.queue_id;
  submit(m);
  ASSERT_EQ(queued(QueueName::deferred), 1u);
  auto box = mailbox("alice");
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(field(box[0], "Subject"), "Delayed Mail (still being retried)");
  EXPECT_EQ(field(box[0], "Action"), "delayed");
  EXPECT_EQ(field(box[0], "Final-Recipient"), "rfc822; user@remote.test");
  EXPECT_TRUE(field(box[0], "Status").starts_with("4.")) << box[0];
  EXPECT_FALSE(field(box[0], "Last-Attempt-Date").empty()) << box[0];
  ParsedFile pf = store->load(id, QueueName::deferred);
  ASSERT_EQ(pf.status, ParseStatus::ok);
  EXPECT_TRUE(pf.message.envelope.delay_warned);
  // Two more attempts: no second warning.
  qm->flush_all();
  qm->flush_all();
  EXPECT_EQ(mailbox("alice").size(), 1u);
  EXPECT_EQ(queued(QueueName::deferred), 1u);
}

TEST_F(Manager, NoDelayWarningBeforeItsTime) {
  start({{"delay_warning_time", "1h"}});
  submit(message("alice@example.test", {Recipient{"user@remote.test"}}, "fresh"));
  EXPECT_TRUE(mailbox("alice").empty());
  EXPECT_EQ(queued(QueueName::deferred), 1u);
}

TEST_F(Manager, DelayWarningHonoursNotify) {
  start({{"delay_warning_time", "1s"}});
  Recipient r{"user@remote.test"};
  r.notify = notify_failure;  // DELAY not asked for
  auto m = message("alice@example.test", {r}, "no-delay-notice");
  m->envelope.arrival -= 10;
  submit(m);
  EXPECT_TRUE(mailbox("alice").empty());
  EXPECT_EQ(queued(QueueName::deferred), 1u);
}

TEST_F(Manager, NotifyClassesDelayCopiesThePostmaster) {
  start({{"delay_warning_time", "1s"}, {"notify_classes", "delay"}, {"delay_notice_recipient", "bob"}});
  auto m = message("alice@example.test", {Recipient{"user@remote.test"}}, "slow-copied");
  m->envelope.arrival -= 10;
  submit(m);
  EXPECT_EQ(mailbox("alice").size(), 1u);
  auto copy = mailbox("bob");
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_TRUE(copy[0].starts_with("Return-Path: <double-bounce@example.test>\n")) << copy[0];
  EXPECT_EQ(field(copy[0], "Action"), "delayed");
  EXPECT_FALSE(contains(copy[0], "The body of slow-copied.")) << copy[0];
}

// A delayed postmaster notice (sent from double_bounce_sender) must not make a postmaster
// delay copy about itself: that copy, delayed in turn, would make another, without end.
TEST_F(Manager, NoPostmasterDelayCopyAboutAPostmasterNotice) {
  start({{"delay_warning_time", "1s"}, {"notify_classes", "delay"}, {"delay_notice_recipient", "bob"}});
  auto m = message("double-bounce@example.test", {Recipient{"watcher@remote.test"}}, "delayed-notice");
  m->envelope.arrival -= 10;
  submit(m);
  EXPECT_EQ(queued(QueueName::deferred), 1u);
  EXPECT_TRUE(mailbox("bob").empty()) << "a delay copy about a postmaster notice: " << mailbox("bob")[0];
  EXPECT_TRUE(mailbox("alice").empty());
}

TEST_F(Manager, DeferredToAThrottledDestinationWithoutTrying) {
  start();
  // Two messages to the same remote destination: the first failure throttles it; the
  // second is deferred with the same reason.
  auto a = message("alice@example.test", {Recipient{"one@remote.test"}}, "t1");
  auto b = message("alice@example.test", {Recipient{"two@remote.test"}}, "t2");
  submit(a);
  submit(b);
  ASSERT_EQ(queued(QueueName::deferred), 2u);
  ParsedFile pf = store->load(b->envelope.queue_id, QueueName::deferred);
  ASSERT_EQ(pf.status, ParseStatus::ok);
  EXPECT_EQ(pf.message.envelope.recipients[0].state, RcptState::deferred);
  EXPECT_EQ(pf.message.envelope.recipients[0].reason, kNoSmtpService);
  // Local mail is not held up by the dead remote destination.
  submit(message("alice@example.test", {Recipient{"bob@example.test"}}, "local-meanwhile"));
  EXPECT_EQ(mailbox("bob").size(), 1u);
}

// ---- the active limit --------------------------------------------------------------------

TEST_F(Manager, QueueRunOnlyTakesDueMessages) {
  start({{"minimal_backoff_time", "1000s"}, {"maximal_backoff_time", "2000s"}});
  submit(message("alice@example.test", {Recipient{"user@remote.test"}}, "not-due"));
  ASSERT_EQ(queued(QueueName::deferred), 1u);
  double before = store->list(QueueName::deferred)[0].next_attempt;
  qm->queue_run();  // not due: untouched
  ASSERT_EQ(queued(QueueName::deferred), 1u);
  EXPECT_EQ(store->list(QueueName::deferred)[0].next_attempt, before);
}

// local(8) forwarding: a remote alias target becomes a new queued message (through
// Request::resubmit) with the original sender and a Delivered-To: header, and the
// original is delivered once the copy is durable.
TEST_F(Manager, RemoteAliasTargetIsQueuedAsAForwardedCopy) {
  params["alias_maps"] = "inline:{ far=someone@elsewhere.example }";
  queue_workers = true;
  start();
  auto m = message("sender@example.org", {Recipient{"far@example.test"}});
  submit(m);
  EXPECT_EQ(run_workers(), 2u);  // the original, then the copy
  EXPECT_EQ(queued(QueueName::active), 0u);
  auto deferred = store->list(QueueName::deferred);
  ASSERT_EQ(deferred.size(), 1u);  // the copy: no smtp service here
  EXPECT_NE(deferred[0].id, m->envelope.queue_id);
  ParsedFile pf = store->load(deferred[0].id, QueueName::deferred);
  ASSERT_EQ(pf.status, ParseStatus::ok);
  EXPECT_EQ(pf.message.envelope.sender, "sender@example.org");
  ASSERT_EQ(pf.message.envelope.recipients.size(), 1u);
  EXPECT_EQ(pf.message.envelope.recipients[0].address, "someone@elsewhere.example");
  EXPECT_EQ(pf.message.content, "Delivered-To: far@example.test\n" + m->content);
}


// ---- header/body checks at cleanup ---------------------------------------------------

class ManagerChecks : public Manager {
 protected:
  void SetUp() override {
    Manager::SetUp();
    dir.write("header_checks",
              "/^Subject: reject-me/ REJECT 5.7.1 not here\n"
              "/^Subject: discard-me/ DISCARD\n"
              "/^Subject: hold-me/ HOLD\n"
              "/^Subject: redirect-me/ REDIRECT bob@example.test\n"
              "/^Subject: bcc-me/ BCC root@example.test\n");
    start({{"header_checks", "regexp:" + dir.file("header_checks")}});
  }

  Submitted submit_checked(std::shared_ptr<Message> m) {
    int calls = 0;
    Submitted got;
    qm->submit(std::move(m), [&](const Submitted& s) {
      ++calls;
      got = s;
    });
    EXPECT_EQ(calls, 1);
    return got;
  }
};

TEST_F(ManagerChecks, RejectIsTheRefusalAndNothingIsQueued) {
  auto got = submit_checked(message("sender@example.org", {Recipient{"alice@example.test"}}, "reject-me"));
  EXPECT_TRUE(got.status.ok());
  EXPECT_EQ(got.refusal, "550 5.7.1 not here");
  EXPECT_TRUE(queue_empty());
  EXPECT_TRUE(mailbox("alice").empty());
}

TEST_F(ManagerChecks, DiscardIsAcceptedAndDropped) {
  auto got = submit_checked(message("sender@example.org", {Recipient{"alice@example.test"}}, "discard-me"));
  EXPECT_TRUE(got.status.ok());
  EXPECT_TRUE(got.refusal.empty());
  EXPECT_TRUE(queue_empty());
  EXPECT_TRUE(mailbox("alice").empty());
}

TEST_F(ManagerChecks, HoldGoesToTheHoldQueue) {
  auto m = message("sender@example.org", {Recipient{"alice@example.test"}}, "hold-me");
  std::string id = m->envelope.queue_id;
  EXPECT_TRUE(submit_checked(m).refusal.empty());
  EXPECT_EQ(store->load(id, QueueName::hold).status, ParseStatus::ok);
  EXPECT_TRUE(mailbox("alice").empty());
}

TEST_F(ManagerChecks, RedirectAndBccChangeTheRecipients) {
  submit(message("sender@example.org", {Recipient{"alice@example.test"}, Recipient{"root@example.test"}}, "redirect-me"));
  EXPECT_TRUE(mailbox("alice").empty());
  EXPECT_EQ(mailbox("bob").size(), 1u);  // two recipients redirected, delivered once
  submit(message("sender@example.org", {Recipient{"bob@example.test"}}, "bcc-me"));
  EXPECT_EQ(mailbox("bob").size(), 2u);
  EXPECT_EQ(mailbox("alice").size(), 1u);  // the BCC to root, an alias of alice
}

TEST_F(ManagerChecks, InternalMailAndOverriddenInputAreNotInspected) {
  auto m = message("sender@example.org", {Recipient{"alice@example.test"}}, "reject-me");
  m->envelope.no_header_body_checks = true;
  EXPECT_TRUE(submit_checked(m).refusal.empty());
  EXPECT_EQ(mailbox("alice").size(), 1u);
  int calls = 0;
  qm->submit(message("sender@example.org", {Recipient{"alice@example.test"}}, "reject-me"),
             [&](const Submitted& s) { calls += s.refusal.empty() ? 1 : 100; }, false);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(mailbox("alice").size(), 2u);
}

}  // namespace
}  // namespace tern::queue

namespace tern::queue {
namespace {

// ---- address verification probes ----------------------------------------------------

class ManagerProbes : public Manager {
 protected:
  std::unique_ptr<Verifier> verifier;
  std::time_t now = 1'800'000'000;

  void start_verifier(const std::map<std::string, std::string>& extra = {}) {
    start(extra);
    ProbeSettings ps = ProbeSettings::from(settings->cfg->params);
    verifier = std::make_unique<Verifier>(
        maps::memory_cache_table(), ps, [this](std::shared_ptr<Message> m) { qm->submit(std::move(m), nullptr); },
        [this] { return now; });
    qm->set_verifier(verifier.get());
  }

  // Queries until the (inline) probe has answered.
  policy::VerifyAnswer verify(const std::string& address) {
    auto first = verifier->query(address);
    EXPECT_TRUE(first.ok());
    EXPECT_EQ(first->status, policy::VerifyStatus::pending) << address;
    EXPECT_TRUE(first->send_probe) << address;
    auto second = verifier->query(address);
    EXPECT_TRUE(second.ok());
    EXPECT_FALSE(second->send_probe) << address;
    return *second;
  }
};

TEST_F(ManagerProbes, ResultsGoToTheVerifierAndNothingIsDeliveredOrBounced) {
  start_verifier();
  auto ok = verify("alice@example.test");
  EXPECT_EQ(ok.status, policy::VerifyStatus::ok);
  EXPECT_EQ(ok.text, "delivers to maildir");
  auto bad = verify("ghost@example.test");  // an alias to a user that does not exist
  EXPECT_EQ(bad.status, policy::VerifyStatus::undeliverable);
  EXPECT_EQ(bad.text, "unknown user: \"nobody-here\"");
  auto remote = verify("someone@remote.test");  // no smtp service: deferred, then discarded
  EXPECT_EQ(remote.status, policy::VerifyStatus::deferred);
  EXPECT_EQ(remote.text, kNoSmtpService);
  EXPECT_TRUE(mailbox("alice").empty());
  EXPECT_TRUE(mailbox("bob").empty());
  EXPECT_TRUE(queue_empty());  // no probe left deferred, no bounce queued
  EXPECT_TRUE(qm->idle());
  EXPECT_EQ(verifier->probes_in_flight(), 0u);
}

TEST_F(ManagerProbes, RoutedWithTheAddressVerifyOverrides) {
  dir.write("master.cf", "smtp inet n - n - - smtpd\nqmgr unix n - n 300 1 qmgr\nlocal unix - n n - - local\n"
                         "error unix - - n - - error\n");
  start_verifier({{"address_verify_transport_maps", "inline:{ remote.test=error:5.1.2 }"}});
  auto r = verify("someone@remote.test");
  EXPECT_EQ(r.status, policy::VerifyStatus::undeliverable);
  EXPECT_EQ(r.text, "delivery failed");
  // Ordinary mail to it is still routed by transport_maps (none): no smtp service.
  auto m = message("bob@example.test", {Recipient{"someone@remote.test"}}, "real");
  submit(m);
  EXPECT_EQ(queued(QueueName::deferred), 1u);
}

TEST_F(ManagerProbes, RotatingProbeSendersIsRefused) {
  params["address_verify_sender_ttl"] = "1h";
  std::string text;
  for (const auto& [k, v] : params) text += k + " = " + v + "\n";
  dir.write("main.cf", text);
  auto cfg = config::load(config::LoadOptions{dir.path()});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  auto s = make_settings(*cfg);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "address_verify_sender_ttl = 3600s: rotating the probe sender is not supported; set it to 0");
}

TEST_F(ManagerProbes, ProbeFileRecordsTheFlagAndTheProbeSender) {
  start_verifier();
  Message p = make_probe(ProbeSettings::from(settings->cfg->params), "alice@example.test", double(now));
  EXPECT_TRUE(p.envelope.verify_probe);
  EXPECT_EQ(p.envelope.sender, "double-bounce@example.test");
  EXPECT_NE(encode_queue_file(p).find("\nprobe\n"), std::string::npos);
  params["address_verify_sender"] = "<>";
  start_verifier();
  EXPECT_EQ(make_probe(ProbeSettings::from(settings->cfg->params), "a@b", 1).envelope.sender, "");
}

}  // namespace
}  // namespace tern::queue

namespace tern::queue {
namespace {

// ---- content filter (content_filter, FILTER), receive_override_options ---------------

// A message with a filter goes, all recipients in one delivery, to the filter's transport
// and nexthop; none is delivered unfiltered, not even the local ones. The filter here has
// no master.cf service, so the one job is deferred (as a filter that is down would be).
TEST_F(Manager, FilteredMessageGoesToTheFilterInOneJob) {
  queue_workers = true;
  start();
  auto m = message("sender@example.org",
                   {Recipient{"alice@example.test"}, Recipient{"bob@example.test"}, Recipient{"u@remote.test"}},
                   "filtered");
  m->envelope.filter = "smtp-amavis:[127.0.0.1]:10024";
  submit(m);
  EXPECT_EQ(worker_tasks.size(), 1u);
  EXPECT_EQ(run_workers(), 1u);
  EXPECT_TRUE(mailbox("alice").empty());
  EXPECT_TRUE(mailbox("bob").empty());
  ParsedFile pf = store->load(m->envelope.queue_id, QueueName::deferred);
  ASSERT_EQ(pf.status, ParseStatus::ok) << pf.error;
  EXPECT_EQ(pf.message.envelope.filter, "smtp-amavis:[127.0.0.1]:10024");
  for (const auto& r : pf.message.envelope.recipients) {
    EXPECT_EQ(r.state, RcptState::deferred) << r.address;
    EXPECT_EQ(r.reason, "mail transport unavailable: no master.cf service named \"smtp-amavis\"") << r.address;
  }
}

// "transport:" without a nexthop: default_filter_nexthop, else each recipient's domain.
TEST_F(Manager, FilterWithoutNexthopUsesTheRecipientDomain) {
  queue_workers = true;
  start();
  auto m = message("sender@example.org", {Recipient{"a@one.test"}, Recipient{"b@two.test"}, Recipient{"c@one.test"}},
                   "per-domain");
  m->envelope.filter = "scan:";
  submit(m);
  EXPECT_EQ(worker_tasks.size(), 2u);  // one per domain
}

TEST_F(Manager, FilterWithoutNexthopUsesDefaultFilterNexthop) {
  queue_workers = true;
  start({{"default_filter_nexthop", "[127.0.0.1]:10024"}});
  auto m = message("sender@example.org", {Recipient{"a@one.test"}, Recipient{"b@two.test"}}, "one-nexthop");
  m->envelope.filter = "scan:";
  submit(m);
  EXPECT_EQ(worker_tasks.size(), 1u);
}

// pickup (sendmail) mail gets main.cf's content_filter.
TEST_F(Manager, PickupMailGetsMainCfContentFilter) {
  queue_workers = true;
  start({{"content_filter", "smtp-amavis:[127.0.0.1]:10024"}});
  auto m = message("alice@example.test", {Recipient{"bob@example.test"}}, "picked-up");
  fs::create_directories(dir.file("spool/maildrop"));
  dir.write("spool/maildrop/drop1", encode_queue_file(*m));
  qm->pickup();
  EXPECT_EQ(run_workers(), 1u);
  EXPECT_TRUE(mailbox("bob").empty());
  auto deferred = store->list(QueueName::deferred);
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_EQ(store->load(deferred[0].id, QueueName::deferred).message.envelope.filter,
            "smtp-amavis:[127.0.0.1]:10024");
}

TEST_F(Manager, ContentFilterAndReceiveOverridesAreChecked) {
  for (auto [name, value, want] : {std::tuple{"content_filter", "smtp-amavis", "expected transport:destination"},
                                   std::tuple{"content_filter", ":[127.0.0.1]:10024", "expected transport:destination"},
                                   std::tuple{"receive_override_options", "no_header_reply",
                                              "receive_override_options: unknown option \"no_header_reply\""}}) {
    SetUp();
    params[name] = value;
    std::string text;
    for (const auto& [k, v] : params) text += k + " = " + v + "\n";
    dir.write("main.cf", text);
    auto cfg = config::load(config::LoadOptions{dir.path()});
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto s = make_settings(*cfg);
    ASSERT_FALSE(s.ok()) << value;
    EXPECT_TRUE(contains(s.error().message, want)) << s.error().message;
  }
}

// no_address_mappings: cleanup qualifies the recipient but does not expand virtual aliases.
TEST_F(Manager, NoAddressMappingsSkipsVirtualAliases) {
  start({{"virtual_alias_maps", "inline:{ va@example.test=bob@example.test }"}});
  submit(message("alice@example.test", {Recipient{"va@example.test"}}, "mapped"));
  EXPECT_EQ(mailbox("bob").size(), 1u);
  auto m = message("alice@example.test", {Recipient{"va@example.test"}}, "unmapped");
  m->envelope.no_address_mappings = true;
  submit(m);
  EXPECT_EQ(mailbox("bob").size(), 1u);  // not a second one
  auto box = mailbox("alice");           // va is no local user: bounced
  ASSERT_EQ(box.size(), 1u);
  EXPECT_TRUE(contains(box[0], "Final-Recipient: rfc822; va@example.test")) << box[0];
}

}  // namespace
}  // namespace tern::queue

namespace tern::queue {
namespace {

// no_milters: the built-in DKIM signing (OpenDKIM's work in a Postfix setup) is off for
// the message, as a re-injected copy must not be signed a second time.
TEST_F(Manager, NoMiltersSkipsDkimSigning) {
  const std::string data = std::string(TERN_SOURCE_DIR) + "/tests/data/dkimpy-data/";
  start({{"dkim_signing_table", "inline:{ example.test=ed }"},
         {"dkim_key_table", "inline:{ ed=%:ed:" + data + "ed25519test.key }"}});
  submit(message("alice@example.test", {Recipient{"bob@example.test"}}, "signed"));
  auto m = message("alice@example.test", {Recipient{"bob@example.test"}}, "unsigned");
  m->envelope.no_milters = true;
  submit(m);
  auto box = mailbox("bob");
  ASSERT_EQ(box.size(), 2u);
  int signed_ = 0, unsigned_ = 0;
  for (const auto& msg : box) {
    bool has = contains(msg, "\nDKIM-Signature: ");
    if (contains(msg, "Subject: signed")) signed_ += has;
    if (contains(msg, "Subject: unsigned")) unsigned_ += has;
  }
  EXPECT_EQ(signed_, 1);
  EXPECT_EQ(unsigned_, 0);
}

}  // namespace
}  // namespace tern::queue
