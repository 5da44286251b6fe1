// The idle-connection cache (delivery/smtp/connection.hpp): reuse by key, the idle time
// limit, the per-connection use limit, and broken sessions never kept.
#include "delivery/smtp/connection.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "scripted_peer.hpp"

namespace tern::delivery::smtp {
namespace {

std::unique_ptr<Connection> ready_connection() {
  auto c = std::make_unique<Connection>();
  auto peer = std::make_unique<testing::ScriptedPeer>();
  c->channel = std::move(peer);
  c->session = std::make_unique<Session>(*c->channel, DialogueSettings{}, "peer[127.0.0.1]");
  EXPECT_FALSE(c->session->open());
  return c;
}

TEST(SmtpConnectionCache, ReuseByKey) {
  ConnectionCache cache({std::chrono::seconds(60), std::chrono::seconds(300), 0, 4});
  cache.put("[a]:25", ready_connection());
  EXPECT_EQ(cache.take("[b]:25"), nullptr);
  auto c = cache.take("[a]:25");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->session->usable());
  EXPECT_EQ(cache.take("[a]:25"), nullptr);
}

TEST(SmtpConnectionCache, IdleConnectionsExpireAndAreClosed) {
  ConnectionCache cache({std::chrono::seconds(1), std::chrono::seconds(300), 0, 4});
  cache.put("k", ready_connection());
  EXPECT_EQ(cache.idle_count(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  EXPECT_EQ(cache.take("k"), nullptr);
  EXPECT_EQ(cache.idle_count(), 0u);  // the reaper closed it
}

TEST(SmtpConnectionCache, UseLimitAndBrokenSessions) {
  ConnectionCache cache({std::chrono::seconds(60), std::chrono::seconds(300), 2, 4});
  auto c = ready_connection();
  c->uses = 2;
  cache.put("k", std::move(c));
  EXPECT_EQ(cache.take("k"), nullptr);

  c = ready_connection();
  auto* peer = static_cast<testing::ScriptedPeer*>(c->channel.get());
  peer->fail_after_writes = 0;
  EXPECT_TRUE(c->session->rset());  // the write fails: the session is broken
  cache.put("k", std::move(c));
  EXPECT_EQ(cache.take("k"), nullptr);
}

TEST(SmtpConnectionCache, OldestIdleIsEvictedWhenFull) {
  ConnectionCache cache({std::chrono::seconds(60), std::chrono::seconds(300), 0, 2});
  cache.put("a", ready_connection());
  cache.put("b", ready_connection());
  cache.put("c", ready_connection());
  EXPECT_EQ(cache.idle_count(), 2u);
  EXPECT_EQ(cache.take("a"), nullptr);
  EXPECT_NE(cache.take("c"), nullptr);
}

}  // namespace
}  // namespace tern::delivery::smtp
