// The queue manager's commit loop: the commit executor takes the next batch as soon as one
// is on disk, without waiting for the main executor to run the previous batch's completion
// (replies, activation). Main is a task list the test runs by hand; commits and
// deliveries run inline.
#include "queue/manager.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "../temp_dir.hpp"
#include "base/queue_id.hpp"
#include "base/time.hpp"
#include "config/config.hpp"

namespace tern::queue {
namespace {

// A MemoryStore that counts commits and runs a hook inside the first one (a message
// arriving while a batch is being made durable).
class HookedStore : public Store {
 public:
  std::unique_ptr<Store> inner = make_memory_store();
  std::function<void()> during_first_commit;
  int commits = 0;
  std::vector<Status> commit(std::span<const Message* const> ms) override {
    if (++commits == 1 && during_first_commit) during_first_commit();
    return inner->commit(ms);
  }
  Status append(const std::string& id, QueueName q, const std::string& r) override { return inner->append(id, q, r); }
  Status move(const std::string& id, QueueName f, QueueName t, double n) override { return inner->move(id, f, t, n); }
  Status remove(const std::string& id, QueueName q) override { return inner->remove(id, q); }
  ParsedFile load(const std::string& id, QueueName q) override { return inner->load(id, q); }
  std::vector<StoredRef> list(QueueName q) override { return inner->list(q); }
};

std::shared_ptr<Message> message(const std::string& rcpt, const std::string& subject) {
  auto m = std::make_shared<Message>();
  m->envelope.queue_id = make_queue_id();
  m->envelope.sender = "s@example.org";
  m->envelope.recipients = {Recipient{rcpt}};
  m->envelope.arrival = now_seconds();
  m->envelope.client = ClientInfo{"unknown", "127.0.0.1", 40000, "client.test", "ESMTP"};
  m->content = "Message-ID: <" + subject + "@client.test>\nDate: Sun, 22 Nov 2026 00:00:00 +0000\n"
               "From: <s@example.org>\nSubject: " + subject + "\n\nbody\n";
  return m;
}

TEST(CommitLoop, NextBatchDoesNotWaitForMain) {
  testing::TempDir dir;
  dir.write("passwd", "alice:x:1000:1000:Alice:" + dir.file("home/alice") + ":/bin/sh\n" +
                          "bob:x:1001:1001:Bob:" + dir.file("home/bob") + ":/bin/sh\n");
  dir.write("master.cf", "smtp inet n - n - - smtpd\nqmgr unix n - n 300 1 qmgr\nlocal unix - n n - - local\n");
  dir.write("main.cf", "myhostname = mail.example.test\nmydomain = example.test\nmyorigin = $mydomain\n"
                       "mydestination = $mydomain\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
                       "local_passwd_file = " + dir.file("passwd") + "\nalias_maps =\nhome_mailbox = Maildir/\n"
                       "queue_directory = " + dir.file("spool") + "\nmail_owner = nobody\n");
  auto cfg = config::load(config::LoadOptions{dir.path()});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  auto settings = make_settings(*cfg);
  ASSERT_TRUE(settings.ok()) << settings.error().message;

  HookedStore store;
  std::deque<Task> main_tasks;
  auto inline_run = [](Task t) { t(); };
  QueueManager q(store, Executors{[&](Task t) { main_tasks.push_back(std::move(t)); }, inline_run, inline_run},
                 *settings);
  std::vector<std::string> replies;
  auto second = message("bob@example.test", "second");
  store.during_first_commit = [&] {
    q.submit(second, [&](const Submitted& s) { replies.push_back(s.status ? "second ok" : "second failed"); });
  };
  q.submit(message("alice@example.test", "first"),
           [&](const Submitted& s) { replies.push_back(s.status ? "first ok" : "first failed"); });
  EXPECT_EQ(store.commits, 2);    // both batches on disk
  EXPECT_TRUE(replies.empty());   // nobody answered before main ran
  EXPECT_FALSE(q.idle());         // completions still waiting for main
  EXPECT_EQ(main_tasks.size(), 2u);
  while (!main_tasks.empty()) {
    Task t = std::move(main_tasks.front());
    main_tasks.pop_front();
    t();
  }
  EXPECT_EQ(replies, (std::vector<std::string>{"first ok", "second ok"}));
  EXPECT_TRUE(q.idle());          // both delivered (inline workers) and removed
  EXPECT_TRUE(store.list(QueueName::active).empty());
}

}  // namespace
}  // namespace tern::queue
