// FileStore::commit on a real directory: batches wider than the sync threads, held
// messages, and one failing file in a batch (the others still durable and whole).
#include "queue/store.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../temp_dir.hpp"
#include "base/file.hpp"
#include "base/queue_id.hpp"

namespace tern::queue {
namespace {

Message msg(unsigned n, bool hold = false) {
  Message m;
  m.envelope.queue_id = make_queue_id(1700000000 + n, 0, 1, n);
  m.envelope.arrival = 1700000000 + n;
  m.envelope.sender = "s@example.org";
  m.envelope.recipients = {Recipient{"a@example.test"}};
  m.envelope.hold = hold;
  m.content = "Subject: " + std::to_string(n) + "\n\nbody\n";
  return m;
}

TEST(FileStore, CommitsABatchWiderThanTheSyncThreads) {
  testing::TempDir dir;
  auto store = open_file_store(dir.path());
  ASSERT_TRUE(store) << store.error().message;
  std::vector<Message> ms;
  for (unsigned i = 0; i < 70; ++i) ms.push_back(msg(i, i % 7 == 0));
  std::vector<const Message*> ptrs;
  for (const auto& m : ms) ptrs.push_back(&m);
  auto st = (*store)->commit(ptrs);
  ASSERT_EQ(st.size(), ms.size());
  for (size_t i = 0; i < ms.size(); ++i) {
    ASSERT_TRUE(st[i]) << st[i].error().message;
    QueueName q = ms[i].envelope.hold ? QueueName::hold : QueueName::active;
    ParsedFile pf = (*store)->load(ms[i].envelope.queue_id, q);
    ASSERT_EQ(pf.status, ParseStatus::ok) << pf.error;
    EXPECT_EQ(pf.message.content, ms[i].content);
  }
  EXPECT_EQ((*store)->list(QueueName::hold).size(), 10u);
  EXPECT_EQ((*store)->list(QueueName::active).size(), 60u);
}

TEST(FileStore, OneFailingFileFailsAloneAndLeavesTheExistingFile) {
  testing::TempDir dir;
  auto store = open_file_store(dir.path());
  ASSERT_TRUE(store);
  Message a = msg(1), b = msg(2), c = msg(3);
  std::string taken = dir.path() + "/active/" + b.envelope.queue_id;
  { std::ofstream(taken) << "not ours"; }
  std::vector<const Message*> ptrs{&a, &b, &c};
  auto st = (*store)->commit(ptrs);
  ASSERT_EQ(st.size(), 3u);
  EXPECT_TRUE(st[0]);
  ASSERT_FALSE(st[1]);
  EXPECT_NE(st[1].error().message.find("create"), std::string::npos);
  EXPECT_TRUE(st[2]);
  EXPECT_EQ(*read_file(taken), "not ours");  // O_EXCL: never overwritten, never unlinked
  EXPECT_EQ((*store)->load(c.envelope.queue_id, QueueName::active).status, ParseStatus::ok);
}

TEST(FileStore, EmptyBatch) {
  testing::TempDir dir;
  auto store = open_file_store(dir.path());
  ASSERT_TRUE(store);
  EXPECT_TRUE((*store)->commit({}).empty());
}

}  // namespace
}  // namespace tern::queue
