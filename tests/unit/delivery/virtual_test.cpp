// The virtual agent: mailbox lookup order, Maildir vs mbox (From_ line, >From quoting,
// locking, the size limit), uid/gid maps and their refusals, unknown users.
#include "delivery/virtual.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "base/file.hpp"
#include "../temp_dir.hpp"

namespace tern::delivery {
namespace {

using testing::TempDir;

Recipient rcpt_of(std::string address) {
  Recipient r;
  r.address = std::move(address);
  return r;
}

struct Fixture {
  TempDir dir;
  config::Params p;
  Fixture() {
    p.virtual_mailbox_base = dir.path();
    p.virtual_mailbox_maps = {"inline:{ joe@virt.example=joe/, joe+list@virt.example=lists/joe, "
                              "amy@virt.example=amy.mbox, @catch.example=catchall/ }"};
    p.virtual_uid_maps = {"static:4321"};  // the mailbox owner is the (pretended) process
    p.virtual_gid_maps = {"static:4321"};
    p.virtual_minimum_uid = 0;
    p.virtual_mailbox_lock = {"fcntl", "dotlock"};
    p.virtual_mailbox_limit = 0;
    p.recipient_delimiter = "+";
  }
  VirtualDelivery make(ProcessIdentity self = {4321, 4321}) {
    auto d = VirtualDelivery::make(p, {dir.path(), ""}, self);
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    return std::move(*d);
  }
};

Message message(const std::string& rcpt, std::string content = "Subject: hi\n\nFrom me\nbye\n") {
  Message m;
  m.envelope.queue_id = "4Yg3Nf0x5WzK";
  m.envelope.sender = "s@example.org";
  m.envelope.arrival = 1700000000;
  m.envelope.recipients.push_back(rcpt_of(rcpt));
  m.content = std::move(content);
  return m;
}

std::vector<std::string> files_in(const std::string& d) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(d, ec)) out.push_back(e.path().string());
  return out;
}

TEST(VirtualDelivery, LookupOrderExtensionThenUserThenDomain) {
  Fixture f;
  VirtualDelivery d = f.make();
  EXPECT_EQ(**d.mailbox_of("Joe@Virt.Example"), f.dir.path() + "/joe/");
  EXPECT_EQ(**d.mailbox_of("joe+list@virt.example"), f.dir.path() + "/lists/joe");
  EXPECT_EQ(**d.mailbox_of("joe+other@virt.example"), f.dir.path() + "/joe/");
  EXPECT_EQ(**d.mailbox_of("anyone@catch.example"), f.dir.path() + "/catchall/");
  EXPECT_FALSE(d.mailbox_of("nobody@virt.example")->has_value());
}

TEST(VirtualDelivery, MaildirWithVirtualHeaders) {
  Fixture f;
  DeliveryResult r = f.make().deliver(message("Joe@virt.example"), 0);
  EXPECT_EQ(r.kind, DeliveryResult::sent) << r.text;
  EXPECT_EQ(r.text, "delivered to maildir");
  EXPECT_EQ(r.relay, "virtual");
  auto files = files_in(f.dir.file("joe/new"));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(*read_file(files[0]), "Return-Path: <s@example.org>\nX-Original-To: Joe@virt.example\n"
                                  "Delivered-To: joe@virt.example\nSubject: hi\n\nFrom me\nbye\n");
  // Delivering the same queue file and recipient again writes no second copy.
  EXPECT_EQ(f.make().deliver(message("Joe@virt.example"), 0).kind, DeliveryResult::sent);
  EXPECT_EQ(files_in(f.dir.file("joe/new")).size(), 1u);
}

TEST(VirtualDelivery, MboxAppendsWithFromLineQuotingAndBlankLine) {
  Fixture f;
  VirtualDelivery d = f.make();
  ASSERT_EQ(d.deliver(message("amy@virt.example"), 0).text, "delivered to mailbox");
  Message second = message("amy@virt.example", "Subject: 2\n\nbody\n");
  second.envelope.sender = "";
  ASSERT_EQ(d.deliver(second, 0).kind, DeliveryResult::sent);
  std::string box = *read_file(f.dir.file("amy.mbox"));
  std::string first = "From s@example.org  ";
  ASSERT_EQ(box.compare(0, first.size(), first), 0) << box;
  size_t nl = box.find('\n');
  EXPECT_EQ(box.substr(nl + 1, box.find("From MAILER-DAEMON  ") - nl - 1),
            "Return-Path: <s@example.org>\nX-Original-To: amy@virt.example\nDelivered-To: amy@virt.example\n"
            "Subject: hi\n\n>From me\nbye\n\n");
  std::string tail = box.substr(box.find("From MAILER-DAEMON  "));
  EXPECT_EQ(tail.substr(tail.find('\n') + 1),
            "Return-Path: <>\nX-Original-To: amy@virt.example\nDelivered-To: amy@virt.example\n"
            "Subject: 2\n\nbody\n\n");
  EXPECT_FALSE(std::filesystem::exists(f.dir.file("amy.mbox.lock")));
}

TEST(VirtualDelivery, MboxOverTheLimitBouncesAndLeavesTheFileAsItWas) {
  Fixture f;
  f.p.virtual_mailbox_limit = 200;
  VirtualDelivery d = f.make();
  ASSERT_EQ(d.deliver(message("amy@virt.example"), 0).kind, DeliveryResult::sent);
  std::string before = *read_file(f.dir.file("amy.mbox"));
  DeliveryResult r = d.deliver(message("amy@virt.example", "Subject: big\n\n" + std::string(300, 'x') + "\n"), 0);
  EXPECT_EQ(r.kind, DeliveryResult::bounced);
  EXPECT_EQ(r.dsn, "5.2.2");
  EXPECT_EQ(*read_file(f.dir.file("amy.mbox")), before);
}

TEST(VirtualDelivery, LockedMailboxDefers) {
  Fixture f;
  f.dir.write("amy.mbox.lock", "");
  f.p.virtual_mailbox_lock = {"dotlock"};
  f.p.deliver_lock_attempts = 2;
  f.p.deliver_lock_delay = std::chrono::seconds(0);
  f.p.stale_lock_time = std::chrono::seconds(3600);
  DeliveryResult r = f.make().deliver(message("amy@virt.example"), 0);
  EXPECT_EQ(r.kind, DeliveryResult::deferred) << r.text;
  EXPECT_EQ(r.dsn, "4.2.0");
}

TEST(VirtualDelivery, UnknownLockMethodIsAConfigurationError) {
  Fixture f;
  f.p.virtual_mailbox_lock = {"fcntl", "bogus"};
  auto d = VirtualDelivery::make(f.p, {f.dir.path(), ""}, {4321, 4321});
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.error().message.starts_with("virtual_mailbox_lock: ")) << d.error().message;
}

TEST(VirtualDelivery, UnknownUserBounces) {
  Fixture f;
  DeliveryResult r = f.make().deliver(message("Ghost@Virt.example"), 0);
  EXPECT_EQ(r.kind, DeliveryResult::bounced);
  EXPECT_EQ(r.dsn, "5.1.1");
  EXPECT_EQ(r.text, "unknown user: \"ghost@virt.example\"");
}

TEST(VirtualDelivery, UidMapRefusals) {
  Fixture f;
  f.p.virtual_minimum_uid = 100;
  f.p.virtual_uid_maps = {"static:99"};
  DeliveryResult low = f.make().deliver(message("joe@virt.example"), 0);
  EXPECT_EQ(low.kind, DeliveryResult::deferred);
  EXPECT_EQ(low.dsn, "4.3.5");
  EXPECT_EQ(low.text, "mail system configuration error: recipient joe@virt.example: bad uid \"99\" in "
                      "virtual_uid_maps (virtual_minimum_uid is 100)");
  f.p.virtual_uid_maps = {"inline:{ amy@virt.example=1000 }"};
  DeliveryResult none = f.make().deliver(message("joe@virt.example"), 0);
  EXPECT_EQ(none.text, "mail system configuration error: recipient joe@virt.example: no uid in virtual_uid_maps");
  f.p.virtual_uid_maps = {"static:1000"};
  f.p.virtual_gid_maps = {"static:zero"};
  EXPECT_EQ(f.make().deliver(message("joe@virt.example"), 0).text,
            "mail system configuration error: recipient joe@virt.example: bad gid \"zero\" in virtual_gid_maps");
}

TEST(VirtualDelivery, OtherOwnerWithoutPrivilegeDefers) {
  Fixture f;
  f.p.virtual_uid_maps = {"static:1000"};
  f.p.virtual_gid_maps = {"static:1000"};
  DeliveryResult r = f.make({65534, 65534}).deliver(message("joe@virt.example"), 0);
  EXPECT_EQ(r.kind, DeliveryResult::deferred);
  EXPECT_EQ(r.text, "cannot deliver to " + f.dir.path() + "/joe/ as uid 1000 gid 1000: this delivery process runs "
                    "as uid 65534 gid 65534 and cannot change user; mailboxes of other users need Tern's "
                    "privileged delivery helper, which does not exist yet");
  EXPECT_FALSE(std::filesystem::exists(f.dir.file("joe")));
}

TEST(VirtualDelivery, RootDeliversAsTheMailboxOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  Fixture f;
  ::chmod(f.dir.path().c_str(), 0777);  // the owner must be able to create its mailbox
  f.p.virtual_uid_maps = {"static:1234"};
  f.p.virtual_gid_maps = {"static:2345"};
  ASSERT_EQ(f.make(ProcessIdentity::current()).deliver(message("amy@virt.example"), 0).kind, DeliveryResult::sent);
  struct stat st {};
  ASSERT_EQ(::stat(f.dir.file("amy.mbox").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 2345u);
  EXPECT_EQ(::geteuid(), 0u);  // only the delivery ran as the owner
}

}  // namespace
}  // namespace tern::delivery
