// check_greylist end to end over a real LMDB file with a fake clock: answers and their
// texts, subnet grouping (v4 and v6), sender normalisation, whitelists, auto-whitelisting,
// one header per message, persistence across reopen, purge, and the Delegate.
#include "policy/greylist.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "../temp_dir.hpp"
#include "../test_params.hpp"

namespace tern::policy {
namespace {

struct Fixture {
  testing::TempDir dir;
  long long now = 1'000'000;
  GreylistSettings settings;

  Fixture() {
    settings.database = dir.file("greylist.lmdb");
    settings.map_size = 1 << 20;
    settings.timing.delay = 300;
    settings.timing.auto_whitelist = 2;
    settings.reply = "Greylisted for %s seconds, see https://help.example/%r";
    settings.header = "X-Greylist: delayed %t seconds at %h";
    settings.hostname = "mx.example.test";
    settings.cleanup_interval = 0;  // purges only when a test asks
  }
  std::unique_ptr<Greylist> open() {
    auto g = Greylist::open(settings, [this] { return now; });
    EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().message);
    return g.ok() ? std::move(*g) : nullptr;
  }
};

PolicyRequest rcpt(std::string client = "192.0.2.7", std::string sender = "alice@example.org",
                   std::string recipient = "bob@example.net", std::string instance = "") {
  PolicyRequest r;
  r.set("request", "smtpd_access_policy");
  r.set("protocol_state", "RCPT");
  r.set("client_address", std::move(client));
  r.set("client_name", "mail.example.org");
  r.set("sender", std::move(sender));
  r.set("recipient", std::move(recipient));
  if (!instance.empty()) r.set("instance", std::move(instance));
  return r;
}

std::string ask(Greylist& g, const PolicyRequest& r) {
  auto a = g.check(r);
  return a.ok() ? *a : "error: " + a.error().message;
}

const std::string kDefer300 = "DEFER_IF_PERMIT 4.2.0 Greylisted for 300 seconds, see https://help.example/example.net";

TEST(Greylist, FirstTooEarlyAfterDelayThenDunno) {
  Fixture f;
  auto g = f.open();
  EXPECT_EQ(ask(*g, rcpt()), kDefer300);
  f.now += 100;
  EXPECT_EQ(ask(*g, rcpt()), "DEFER_IF_PERMIT 4.2.0 Greylisted for 200 seconds, see https://help.example/example.net");
  f.now += 200;
  EXPECT_EQ(ask(*g, rcpt()), "PREPEND X-Greylist: delayed 300 seconds at mx.example.test");
  f.now += 5;
  EXPECT_EQ(ask(*g, rcpt()), "DUNNO");
}

TEST(Greylist, OnlyAtRcpt) {
  Fixture f;
  auto g = f.open();
  PolicyRequest r = rcpt();
  r.set("protocol_state", "DATA");
  EXPECT_EQ(ask(*g, r), "DUNNO");
  r.set("protocol_state", "RCPT");
  EXPECT_EQ(ask(*g, r), kDefer300);
}

TEST(Greylist, BadClientAddressIsAnError) {
  Fixture f;
  auto g = f.open();
  EXPECT_EQ(ask(*g, rcpt("not-an-ip")), "error: greylist: bad client_address \"not-an-ip\"");
}

TEST(Greylist, ReplyStartingWithADigitKeepsItsOwnCode) {
  Fixture f;
  f.settings.reply = "4.7.1 Try later (%s s)";
  auto g = f.open();
  EXPECT_EQ(ask(*g, rcpt()), "DEFER_IF_PERMIT 4.7.1 Try later (300 s)");
}

TEST(Greylist, ClientsOfOneSubnetShareATriplet) {
  Fixture f;
  auto g = f.open();
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7")), kDefer300);
  f.now += 300;
  EXPECT_EQ(ask(*g, rcpt("192.0.2.200")).rfind("PREPEND ", 0), 0u);  // same /24
  EXPECT_EQ(ask(*g, rcpt("192.0.3.7")), kDefer300);                   // another /24
  EXPECT_EQ(ask(*g, rcpt("2001:db8:1:2::7")), kDefer300);
  f.now += 300;
  EXPECT_EQ(ask(*g, rcpt("2001:db8:1:2:ffff::1")).rfind("PREPEND ", 0), 0u);  // same /64
  EXPECT_EQ(ask(*g, rcpt("2001:db8:1:3::7")), kDefer300);
}

TEST(Greylist, HostPrefixGreylistsByHost) {
  Fixture f;
  f.settings.ipv4_prefix = 32;
  auto g = f.open();
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7")), kDefer300);
  f.now += 300;
  EXPECT_EQ(ask(*g, rcpt("192.0.2.8")), kDefer300);
}

TEST(Greylist, NormalisedSendersShareATriplet) {
  Fixture f;
  auto g = f.open();
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "list-bounces+123@example.org")), kDefer300);
  f.now += 300;
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "LIST-bounces+456@Example.ORG")).rfind("PREPEND ", 0), 0u);
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "bounce-17@example.org")), kDefer300);
  f.now += 300;
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "bounce-18@example.org")).rfind("PREPEND ", 0), 0u);
}

TEST(Greylist, WhitelistedClientsAndRecipientsPassUntouched) {
  Fixture f;
  f.dir.write("clients", "example.org\n198.51.100.0/24\n");
  f.dir.write("rcpts", "postmaster@\n");
  f.settings.client_files = {f.dir.file("clients")};
  f.settings.recipient_files = {f.dir.file("rcpts")};
  auto g = f.open();
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7")), "DUNNO");  // client_name mail.example.org
  PolicyRequest r = rcpt("198.51.100.9");
  r.set("client_name", "unknown");
  EXPECT_EQ(ask(*g, r), "DUNNO");
  r = rcpt("203.0.113.9", "a@example.com", "postmaster@example.net");
  r.set("client_name", "unknown");
  EXPECT_EQ(ask(*g, r), "DUNNO");
  r.set("recipient", "bob@example.net");
  EXPECT_EQ(ask(*g, r), kDefer300);
  size_t stored = 0;
  ASSERT_TRUE(g->store().each(GreylistTable::triplets, [&](auto, auto) { ++stored; }).ok());
  EXPECT_EQ(stored, 1u);  // whitelisted requests leave no trace
}

TEST(Greylist, MalformedWhitelistFailsOpenWithFileAndLine) {
  Fixture f;
  f.dir.write("clients", "good.example\nno good\n");
  f.settings.client_files = {f.dir.file("clients")};
  auto g = Greylist::open(f.settings, [] { return 0LL; });
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().message,
            "greylist_whitelist_clients: " + f.dir.file("clients") + ":2: doesn't look like a hostname: \"no good\"");
}

TEST(Greylist, AutoWhitelistAfterPassesInDifferentHours) {
  Fixture f;  // threshold 2
  auto g = f.open();
  for (int i = 0; i < 2; ++i) {
    std::string to = "user" + std::string(1, char('a' + i)) + "@example.net";
    EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "alice@example.org", to)).rfind("DEFER_IF_PERMIT ", 0), 0u);
    f.now += 300;
    EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "alice@example.org", to)).rfind("PREPEND ", 0), 0u);
    f.now += 3600;
  }
  // A new triplet from this client passes at once; its neighbour is still greylisted.
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "carol@example.org", "new@example.net")), "DUNNO");
  EXPECT_EQ(ask(*g, rcpt("192.0.2.8", "carol@example.org", "new@example.net")).rfind("DEFER_IF_PERMIT ", 0), 0u);
}

TEST(Greylist, OneHeaderPerMessage) {
  Fixture f;
  auto g = f.open();
  ask(*g, rcpt("192.0.2.7", "alice@example.org", "a@example.net", "MSG1"));
  ask(*g, rcpt("192.0.2.7", "alice@example.org", "b@example.net", "MSG1"));
  f.now += 300;
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "alice@example.org", "a@example.net", "MSG2")).rfind("PREPEND ", 0), 0u);
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "alice@example.org", "b@example.net", "MSG2")), "DUNNO");
}

TEST(Greylist, EmptyHeaderMeansNoPrepend) {
  Fixture f;
  f.settings.header = "";
  auto g = f.open();
  ask(*g, rcpt());
  f.now += 300;
  EXPECT_EQ(ask(*g, rcpt()), "DUNNO");
}

TEST(Greylist, StateSurvivesReopen) {
  Fixture f;
  EXPECT_EQ(ask(*f.open(), rcpt()), kDefer300);
  f.now += 300;
  EXPECT_EQ(ask(*f.open(), rcpt()).rfind("PREPEND ", 0), 0u);
  // Two Greylists of one process on one file share its LMDB environment.
  auto a = f.open(), b = f.open();
  EXPECT_EQ(&a->store(), &b->store());
  EXPECT_EQ(ask(*a, rcpt("192.0.2.7", "x@example.org")), kDefer300.substr(0, 0) + kDefer300);
  f.now += 300;
  EXPECT_EQ(ask(*b, rcpt("192.0.2.7", "x@example.org")).rfind("PREPEND ", 0), 0u);
}

TEST(Greylist, ProcessesWritingAtOnceLoseNothing) {
  Fixture f;  // nothing opened before fork: LMDB environments must not cross it
  constexpr int kChildren = 3, kEach = 30;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto g = Greylist::open(f.settings, [&] { return f.now; });
      int bad = !g.ok();
      for (int i = 0; g.ok() && i < kEach; ++i) {
        auto a = (*g)->check(rcpt("192.0.2.7", "c" + std::to_string(c) + "-" + std::to_string(i) + "x@example.org"));
        bad += !a.ok() || a->rfind("DEFER_IF_PERMIT ", 0) != 0;
      }
      ::_exit(bad ? 1 : 0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto g = f.open();
  size_t triplets = 0;
  ASSERT_TRUE(g->store().each(GreylistTable::triplets, [&](auto, auto) { ++triplets; }).ok());
  EXPECT_EQ(triplets, size_t(kChildren * kEach));
}

TEST(Greylist, PurgeRemovesExpiredAndOpenPurges) {
  Fixture f;
  {
    auto g = f.open();
    ask(*g, rcpt("192.0.2.7", "a@example.org"));  // never retried
    ask(*g, rcpt("192.0.2.7", "b@example.org"));
    f.now += 300;
    ask(*g, rcpt("192.0.2.7", "b@example.org"));  // passed
    f.now += 2 * 86400 + 1;                        // the unretried one is past its window
    auto n = g->purge();
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n->triplets.removed, 1u);
    EXPECT_EQ(n->triplets.kept, 1u);
    EXPECT_EQ(n->clients.kept, 1u);
  }
  f.now += 35 * 86400;  // the passed one and the client: past max_age
  auto g = f.open();
  size_t triplets = 0, clients = 0;
  ASSERT_TRUE(g->store().each(GreylistTable::triplets, [&](auto, auto) { ++triplets; }).ok());
  ASSERT_TRUE(g->store().each(GreylistTable::clients, [&](auto, auto) { ++clients; }).ok());
  EXPECT_EQ(triplets, 0u);
  EXPECT_EQ(clients, 0u);
}

TEST(Greylist, DamagedRecordsCountAsNewAndArePurged) {
  Fixture f;
  auto g = f.open();
  ASSERT_TRUE(g->store()
                  .write([](GreylistStore::Txn& txn) {
                    if (auto s = txn.put(GreylistTable::clients, "192.0.2.7", "lots"); !s) return s;
                    return txn.put(GreylistTable::triplets, "192.0.2.0/alice@example.org/bob@example.net", "1,x");
                  })
                  .ok());
  EXPECT_EQ(ask(*g, rcpt()), kDefer300);
  ASSERT_TRUE(g->store()
                  .write([](GreylistStore::Txn& txn) {
                    return txn.put(GreylistTable::triplets, "junk-key", "not a record");
                  })
                  .ok());
  auto n = g->purge();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->triplets.removed, 1u);  // the junk; the rewritten triplet is kept
  EXPECT_EQ(n->clients.removed, 1u);   // never rewritten: the client had no pass
}

TEST(Greylist, PurgeOfManyConsecutiveRecords) {
  Fixture f;
  auto g = f.open();
  for (int i = 0; i < 200; ++i) ask(*g, rcpt("192.0.2.7", "s" + std::to_string(i) + "x@example.org"));
  f.now += 2 * 86400 + 1;
  ask(*g, rcpt("192.0.2.7", "keep@example.org"));
  auto n = g->purge();
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->triplets.removed, 200u);
  EXPECT_EQ(n->triplets.kept, 1u);
}

TEST(Greylist, CleanupIntervalPurgesDuringChecks) {
  Fixture f;
  f.settings.cleanup_interval = 3600;
  auto g = f.open();
  ask(*g, rcpt("192.0.2.7", "a@example.org"));
  f.now += 2 * 86400 + 1;
  ask(*g, rcpt("192.0.2.7", "b@example.org"));  // an interval has passed: purged after deciding
  size_t triplets = 0;
  ASSERT_TRUE(g->store().each(GreylistTable::triplets, [&](auto, auto) { ++triplets; }).ok());
  EXPECT_EQ(triplets, 1u);
}

TEST(Greylist, MapGrowsWhenFull) {
  Fixture f;
  f.settings.map_size = 64 * 1024;
  auto g = f.open();
  std::string pad(400, 'p');  // 300 records of ~450 bytes: the 64 KiB map doubles a few times
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(ask(*g, rcpt("192.0.2.7", pad + std::to_string(i) + "x@example.org")).rfind("DEFER_IF_PERMIT ", 0), 0u)
        << i;
}

TEST(Greylist, OverlongKeysAreCut) {
  Fixture f;
  auto g = f.open();
  std::string local(600, 'r');
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "a@example.org", local + "@example.net")).rfind("DEFER_IF_PERMIT ", 0), 0u);
  f.now += 300;
  EXPECT_EQ(ask(*g, rcpt("192.0.2.7", "a@example.org", local + "@example.net")).rfind("PREPEND ", 0), 0u);
}

TEST(GreylistSettingsFromParams, DefaultsAndDatabaseSpec) {
  auto s = greylist_settings(testing::test_params({{"data_directory", "/var/lib/tern"}}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->database, "/var/lib/tern/greylist.lmdb");
  EXPECT_EQ(s->timing.delay, 300);
  EXPECT_EQ(s->timing.max_age, 35 * 86400);
  EXPECT_EQ(s->timing.retry_window, 2 * 86400);
  EXPECT_EQ(s->timing.auto_whitelist, 5);
  EXPECT_EQ(s->ipv4_prefix, 24);
  EXPECT_EQ(s->ipv6_prefix, 64);
  EXPECT_TRUE(s->client_files.empty());
  auto files = greylist_settings(testing::test_params(
      {{"greylist_whitelist_clients", "greylist_clients, /etc/postgrey/whitelist_clients"},
       {"greylist_whitelist_recipients", "rcpts"}}));
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->client_files,
            (std::vector<std::string>{"/etc/tern/greylist_clients", "/etc/postgrey/whitelist_clients"}));
  EXPECT_EQ(files->recipient_files, (std::vector<std::string>{"/etc/tern/rcpts"}));
  auto bad = greylist_settings(testing::test_params({{"greylist_database", "hash:/var/lib/tern/greylist"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "greylist_database: table type \"hash\" is not supported for greylisting (only lmdb: is implemented)");
  EXPECT_FALSE(greylist_settings(testing::test_params({{"greylist_database", "/no/type"}})).ok());
  EXPECT_FALSE(greylist_settings(testing::test_params({{"greylist_database", "lmdb:relative"}})).ok());
}

TEST(GreylistDelegate, AnswersThroughTheEventLoop) {
  testing::TempDir dir;
  long long now = 5000;
  auto p = testing::test_params({{"greylist_database", "lmdb:" + dir.file("gl")}, {"greylist_delay", "60s"}});
  auto d = make_greylist(p, [&] { return now; });
  ASSERT_TRUE(d.ok()) << d.error().message;
  asio::io_context io;
  std::vector<std::string> answers;
  // As the evaluator does: co_await the delegate from a coroutine on the session's loop.
  auto asking = [](Delegate& delegate) -> asio::awaitable<std::string> {
    Result<std::string> r = co_await delegate.ask(rcpt());
    co_return r.ok() ? *r : "error: " + r.error().message;
  };
  auto run = [&] {
    asio::co_spawn(io, asking(**d), [&](std::exception_ptr e, std::string a) {
      EXPECT_FALSE(e);
      answers.push_back(std::move(a));
    });
    io.restart();
    io.run();
  };
  run();
  now += 60;
  run();
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0], "DEFER_IF_PERMIT 4.2.0 Greylisted, please try again in 60 seconds");
  EXPECT_EQ(answers[1].rfind("PREPEND X-Greylist: delayed 60 seconds by Tern at ", 0), 0u);
}

}  // namespace
}  // namespace tern::policy
