// deliver_maildir on a real directory: the file lands in new/ whole, tmp/ is left empty,
// a repeated delivery (after a crash before the queue recorded it) writes no second
// copy, and deliveries running side by side into one Maildir (sharing fsyncs of new/)
// all land.
#include "delivery/maildir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "../temp_dir.hpp"
#include "base/file.hpp"

namespace tern::delivery {
namespace {

size_t files_in(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

TEST(DeliverMaildir, WritesPrefixAndContentIntoNew) {
  testing::TempDir dir;
  std::string md = dir.path() + "/Maildir/";
  auto path = deliver_maildir(md, "1700000000.Tqid1R0", "Delivered-To: a@example.test\n", "Subject: x\n\nbody\n");
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(path->rfind(dir.path() + "/Maildir/new/1700000000.Tqid1R0.", 0), 0u);
  EXPECT_NE(path->find(",S=46"), std::string::npos);
  EXPECT_EQ(*read_file(*path), "Delivered-To: a@example.test\nSubject: x\n\nbody\n");
  EXPECT_EQ(files_in(dir.path() + "/Maildir/tmp"), 0u);
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/Maildir/cur"));
}

TEST(DeliverMaildir, RepeatedDeliveryWritesNoSecondCopy) {
  testing::TempDir dir;
  auto first = deliver_maildir(dir.path() + "/md", "u1", "", "Subject: x\n\nbody\n");
  auto again = deliver_maildir(dir.path() + "/md", "u1", "", "Subject: x\n\nbody\n");
  ASSERT_TRUE(first);
  ASSERT_TRUE(again);
  EXPECT_EQ(*first, *again);
  EXPECT_EQ(files_in(dir.path() + "/md/new"), 1u);
}

TEST(DeliverMaildir, SideBySideDeliveriesAllLand) {
  testing::TempDir dir;
  std::vector<std::thread> ts;
  std::vector<int> ok(16, 0);
  for (int i = 0; i < 16; ++i)
    ts.emplace_back([&, i] {
      for (int k = 0; k < 5; ++k)
        ok[i] += bool(deliver_maildir(dir.path() + "/md", "u" + std::to_string(i) + "_" + std::to_string(k), "",
                                      "Subject: " + std::to_string(i) + "\n\nbody\n"));
    });
  for (auto& t : ts) t.join();
  for (int i = 0; i < 16; ++i) EXPECT_EQ(ok[i], 5);
  EXPECT_EQ(files_in(dir.path() + "/md/new"), 80u);
  EXPECT_EQ(files_in(dir.path() + "/md/tmp"), 0u);
}

TEST(DeliverMaildir, AMaildirUnderAFileIsAnError) {
  testing::TempDir dir;
  dir.write("plain", "x");
  auto r = deliver_maildir(dir.path() + "/plain/md", "u1", "", "Subject: x\n\nbody\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("plain"), std::string::npos);
}

}  // namespace
}  // namespace tern::delivery
