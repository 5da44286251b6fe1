// FileStore::commit on a real directory: batches wider than the sync threads, held
// messages, and one failing file in a batch (the others still durable and whole); the
// queue role's store reuses removed files (free/) and a reused file whose content names
// another message does not parse.
#include "queue/store.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
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

ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

size_t entries(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(FileStore, ARemovedFileIsEmptiedAndTakenByTheNextMessage) {
  testing::TempDir dir;
  auto store = open_file_store(dir.path(), /*recycle=*/true);
  ASSERT_TRUE(store) << store.error().message;
  Message a = msg(1), b = msg(2);
  std::vector<const Message*> first{&a};
  ASSERT_TRUE((*store)->commit(first)[0]);
  ino_t ino = inode_of(dir.path() + "/active/" + a.envelope.queue_id);
  ASSERT_TRUE((*store)->remove(a.envelope.queue_id, QueueName::active));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/active/" + a.envelope.queue_id));
  std::string kept = dir.path() + "/free/" + a.envelope.queue_id;
  EXPECT_EQ(inode_of(kept), ino);
  EXPECT_EQ(std::filesystem::file_size(kept), 0u);  // nothing of the message is left in it
  std::vector<const Message*> second{&b};
  ASSERT_TRUE((*store)->commit(second)[0]);
  EXPECT_EQ(inode_of(dir.path() + "/active/" + b.envelope.queue_id), ino);
  EXPECT_EQ(entries(dir.path() + "/free"), 0u);
  ParsedFile pf = (*store)->load(b.envelope.queue_id, QueueName::active);
  ASSERT_EQ(pf.status, ParseStatus::ok) << pf.error;
  EXPECT_EQ(pf.message.content, b.content);
}

TEST(FileStore, FilesLeftInFreeAreReusedAfterARestartEvenIfNotEmptied) {
  testing::TempDir dir;
  {
    auto store = open_file_store(dir.path(), true);
    ASSERT_TRUE(store);
  }
  dir.write("free/leftover", std::string(5000, 'x'));  // a crash between the rename and the truncate
  auto store = open_file_store(dir.path(), true);
  Message a = msg(3);
  std::vector<const Message*> one{&a};
  ASSERT_TRUE((*store)->commit(one)[0]);
  EXPECT_EQ(entries(dir.path() + "/free"), 0u);
  ParsedFile pf = (*store)->load(a.envelope.queue_id, QueueName::active);
  ASSERT_EQ(pf.status, ParseStatus::ok) << pf.error;
  EXPECT_EQ(pf.message.content, a.content);
}

TEST(FileStore, AReusedFileNeverReplacesAnExistingName) {
  testing::TempDir dir;
  auto store = open_file_store(dir.path(), true);
  Message a = msg(4), b = msg(5);
  std::vector<const Message*> first{&a};
  ASSERT_TRUE((*store)->commit(first)[0]);
  ASSERT_TRUE((*store)->remove(a.envelope.queue_id, QueueName::active));
  std::string taken = dir.path() + "/active/" + b.envelope.queue_id;
  { std::ofstream(taken) << "not ours"; }
  std::vector<const Message*> second{&b};
  EXPECT_FALSE((*store)->commit(second)[0]);
  EXPECT_EQ(*read_file(taken), "not ours");
}

TEST(FileStore, ContentNamingAnotherMessageDoesNotParse) {
  testing::TempDir dir;
  auto store = open_file_store(dir.path(), true);
  Message a = msg(6), b = msg(7);
  std::vector<const Message*> first{&a};
  ASSERT_TRUE((*store)->commit(first)[0]);
  // What a power loss can leave on a file system without a journal: the new name, the old content.
  std::filesystem::rename(dir.path() + "/active/" + a.envelope.queue_id, dir.path() + "/active/" + b.envelope.queue_id);
  ParsedFile pf = (*store)->load(b.envelope.queue_id, QueueName::active);
  EXPECT_EQ(pf.status, ParseStatus::malformed);
  EXPECT_NE(pf.error.find(a.envelope.queue_id), std::string::npos);
}

TEST(FileStore, WithoutRecyclingARemovedFileIsGone) {
  testing::TempDir dir;
  auto store = open_file_store(dir.path());
  Message a = msg(8);
  std::vector<const Message*> one{&a};
  ASSERT_TRUE((*store)->commit(one)[0]);
  ASSERT_TRUE((*store)->remove(a.envelope.queue_id, QueueName::active));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/free"));
  EXPECT_EQ(entries(dir.path() + "/active"), 0u);
}

TEST(FileStore, EmptyBatch) {
  testing::TempDir dir;
  auto store = open_file_store(dir.path());
  ASSERT_TRUE(store);
  EXPECT_TRUE((*store)->commit({}).empty());
}

}  // namespace
}  // namespace tern::queue
