// smtpd's delegate set (server/delegates.hpp): the words it registers, one delegate per
// word and settings shared by services, different settings kept apart, and the
// configuration checks, which check settings but open no database.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>

#include <filesystem>

#include "../temp_dir.hpp"
#include "config/config.hpp"
#include "server/delegates.hpp"
#include "server/queue_client.hpp"

namespace tern::server {
namespace {

class DelegateSetTest : public ::testing::Test {
 protected:
  // main.cf with `extra`, master.cf with `master` (two smtpd services by default).
  std::shared_ptr<const config::Config> load(const std::string& extra,
                                             const std::string& master = "127.0.0.1:2525 inet n - n - - smtpd\n"
                                                                         "127.0.0.1:2526 inet n - n - - smtpd\n") {
    dir.write("main.cf", "myhostname = mx.example.test\n"
                         "data_directory = " + dir.path() + "/data\n"
                         "greylist_database = lmdb:$data_directory/greylist\n"
                         "spamtrap_blocklist_database = lmdb:$data_directory/blocklist\n"
                         "dns_forward_servers = 127.0.0.1@9\n" + extra);
    dir.write("master.cf", master);
    std::filesystem::create_directories(dir.file("data"));
    auto cfg = config::load(config::LoadOptions{dir.path()});
    EXPECT_TRUE(cfg.ok()) << cfg.error().message;
    return cfg.ok() ? *cfg : nullptr;
  }

  testing::TempDir dir;
  asio::io_context io{1};
};

TEST_F(DelegateSetTest, RegistersEveryBuiltInWord) {
  auto cfg = load("");
  SmtpdDelegates set;
  auto r = set.registry(cfg->services.at(0));
  for (const char* w : {"check_policy_service", "check_greylist", "check_reputation", "check_spamtrap",
                        "reject_unverified_recipient", "reject_unverified_sender"})
    EXPECT_TRUE(r.has(w)) << w;
  EXPECT_FALSE(r.has("check_nonsense"));
}

TEST_F(DelegateSetTest, ServicesWithTheSameSettingsShareOneGreylist) {
  auto cfg = load("");
  SmtpdDelegates set(&io);
  auto a = set.registry(cfg->services.at(0)).make("check_greylist", "");
  auto b = set.registry(cfg->services.at(1)).make("check_greylist", "");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_TRUE(*a);
  EXPECT_EQ(a->get(), b->get());
  EXPECT_TRUE(std::filesystem::exists(dir.file("data/greylist.lmdb")));
  // A second word in the same service: the same delegate again.
  auto c = set.registry(cfg->services.at(0)).make("check_greylist", "");
  EXPECT_EQ(a->get(), c->get());
}

TEST_F(DelegateSetTest, DifferentOverridesGetTheirOwnDelegate) {
  auto cfg = load("", "127.0.0.1:2525 inet n - n - - smtpd\n"
                      "127.0.0.1:2526 inet n - n - - smtpd -o greylist_delay=60s\n"
                      "127.0.0.1:2527 inet n - n - - smtpd -o smtpd_recipient_restrictions=check_greylist\n");
  SmtpdDelegates set(&io);
  auto plain = set.registry(cfg->services.at(0)).make("check_greylist", "");
  auto slower = set.registry(cfg->services.at(1)).make("check_greylist", "");
  auto lists_only = set.registry(cfg->services.at(2)).make("check_greylist", "");
  ASSERT_TRUE(plain.ok() && slower.ok() && lists_only.ok());
  EXPECT_NE(plain->get(), slower->get());
  EXPECT_EQ(plain->get(), lists_only->get());  // a restriction list is not a setting
}

TEST_F(DelegateSetTest, PolicyServicesAreKeptApartBySpec) {
  auto cfg = load("");
  SmtpdDelegates set(&io);
  auto r = set.registry(cfg->services.at(0));
  auto a = r.make("check_policy_service", "inet:127.0.0.1:9998");
  auto b = r.make("check_policy_service", "inet:127.0.0.1:9999");
  auto a2 = set.registry(cfg->services.at(1)).make("check_policy_service", "inet:127.0.0.1:9998");
  ASSERT_TRUE(a.ok() && b.ok() && a2.ok());
  EXPECT_NE(a->get(), b->get());
  EXPECT_EQ(a->get(), a2->get());
  auto bad = r.make("check_policy_service", "{ inet:127.0.0.1:9998, try_limit=0 }");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("try_limit"), std::string::npos) << bad.error().message;
}

TEST_F(DelegateSetTest, ChecksOpenNoDatabase) {
  auto cfg = load("spamtrap_maps = inline:{ trap@example.test=yes }\n");
  SmtpdDelegates check;
  auto r = check.registry(cfg->services.at(0));
  for (const char* w : {"check_greylist", "check_spamtrap", "reject_unverified_recipient"}) {
    auto d = r.make(w, "");
    EXPECT_TRUE(d.ok()) << w << ": " << d.error().message;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("data/greylist.lmdb")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("data/blocklist.lmdb")));
}

TEST_F(DelegateSetTest, ChecksRefuseBadSettings) {
  SmtpdDelegates check;
  {
    auto cfg = load("greylist_database = lmdb:relative/greylist\n");
    auto d = check.registry(cfg->services.at(0)).make("check_greylist", "");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("greylist_database"), std::string::npos) << d.error().message;
  }
  {
    auto cfg = load("");  // spamtrap_maps empty
    auto d = check.registry(cfg->services.at(0)).make("check_spamtrap", "");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("spamtrap_maps is empty"), std::string::npos) << d.error().message;
  }
  {
    auto cfg = load("spamtrap_maps = inline:{ trap@example.test=yes }\nspamtrap_blocklist_database =\n");
    auto d = check.registry(cfg->services.at(0)).make("check_spamtrap", "");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("spamtrap_blocklist_database is empty"), std::string::npos)
        << d.error().message;
  }
  {
    auto cfg = load("spamtrap_maps = inline:{ trap@example.test=yes }\nspamtrap_action = bounce\n");
    auto d = check.registry(cfg->services.at(0)).make("check_spamtrap", "");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("spamtrap_action"), std::string::npos) << d.error().message;
  }
}

TEST_F(DelegateSetTest, ReputationNeedsTheDns) {
  auto cfg = load("disable_dns_lookups = yes\n");
  for (asio::io_context* loop : {static_cast<asio::io_context*>(nullptr), &io}) {
    SmtpdDelegates set(loop);
    auto d = set.registry(cfg->services.at(0)).make("check_reputation", "");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("needs the DNS: DNS lookups are disabled"), std::string::npos)
        << d.error().message;
  }
  auto with_dns = load("");
  SmtpdDelegates set(&io);
  auto d = set.registry(with_dns->services.at(0)).make("check_reputation", "");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(*d);
}

TEST_F(DelegateSetTest, UnverifiedNeedsTheQueueLinkInTheRole) {
  auto cfg = load("");
  SmtpdDelegates no_queue(&io);
  auto d = no_queue.registry(cfg->services.at(0)).make("reject_unverified_sender", "");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("no queue link"), std::string::npos) << d.error().message;
  QueueClient queue(io, dir.file("no-such-socket"));
  SmtpdDelegates role(&io, &queue);
  auto v = role.registry(cfg->services.at(0)).make("reject_unverified_sender", "");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(*v);
}

}  // namespace
}  // namespace tern::server
