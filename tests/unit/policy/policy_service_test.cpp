// The check_policy_service client against a scripted loopback policy server: answers,
// connection reuse, malformed replies, a slow server (timeout, retry, default action), a
// server that hangs up between requests, request_limit, max_idle, max_ttl, concurrent
// requests, unix sockets, /etc/hosts names, and the per-io_context registry.
#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <fstream>
#include <optional>

#include "../temp_dir.hpp"
#include "../test_params.hpp"
#include "base/log.hpp"
#include "policy/policy_service.hpp"
#include "scripted_policy_server.hpp"

namespace tern::policy {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedPolicyServer;
using testing::ScriptedReply;
using Answer = PolicyService::Answer;

PolicyServiceSettings settings_for(const ScriptedPolicyServer& server) {
  PolicyServiceSettings s;
  s.host = "127.0.0.1";
  s.port = std::to_string(server.port());
  s.name = server.inet();
  s.timeout = 2s;
  s.retry_delay = 50ms;
  s.default_action = "451 4.3.5 Server configuration problem";
  return s;
}

std::shared_ptr<PolicyService> make(asio::io_context& io, const PolicyServiceSettings& s) {
  auto eps = policy_service_endpoints(s);
  EXPECT_TRUE(eps.ok()) << (eps.ok() ? "" : eps.error().message);
  return std::make_shared<PolicyService>(io, s, eps.ok() ? *eps : std::vector<PolicyService::Endpoint>{});
}

PolicyRequest rcpt(std::string recipient = "bob@example.net") {
  PolicyRequest r;
  r.set("request", "smtpd_access_policy");
  r.set("protocol_state", "RCPT");
  r.set("client_address", "192.0.2.25");
  r.set("sender", "alice@example.org");
  r.set("recipient", std::move(recipient));
  return r;
}

// Runs the io_context until the query is answered (the pool's idle sweeper may keep it
// busy long after).
Answer ask(asio::io_context& io, PolicyService& svc, const PolicyRequest& req) {
  std::optional<Answer> out;
  io.restart();  // after a run_for() that ran out of work
  asio::co_spawn(io, svc.query(req), [&](std::exception_ptr e, Answer a) {
    if (e) std::rethrow_exception(e);
    out = std::move(a);
  });
  while (!out)
    if (io.run_one() == 0) {
      ADD_FAILURE() << "the event loop ran out of work without an answer";
      io.restart();
      return {};
    }
  return *out;
}

ScriptedReply reply(std::string action) { return {"action=" + action + "\n\n"}; }

TEST(PolicyService, AnswersAndReusesTheConnection) {
  ScriptedPolicyServer server([](const auto& a, int, int nth) {
    return reply("OK " + a.at("recipient") + " " + std::to_string(nth));
  });
  ASSERT_TRUE(server.listening());
  asio::io_context io;
  auto svc = make(io, settings_for(server));
  Answer a = ask(io, *svc, rcpt("one@example.net"));
  EXPECT_TRUE(a.answered);
  EXPECT_EQ(a.action, "OK one@example.net 1");
  a = ask(io, *svc, rcpt("two@example.net"));
  EXPECT_EQ(a.action, "OK two@example.net 2");
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(svc->idle_connections(), 1u);
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].at("client_address"), "192.0.2.25");
  EXPECT_EQ(seen[0].at("request"), "smtpd_access_policy");
}

TEST(PolicyService, PolicyContextAndSanitizedValuesOnTheWire) {
  ScriptedPolicyServer server([](const auto&, int, int) { return reply("DUNNO"); });
  asio::io_context io;
  auto s = settings_for(server);
  s.policy_context = "submission";
  auto svc = make(io, s);
  PolicyRequest r = rcpt();
  r.set("helo_name", "evil\n\nrecipient=x");
  EXPECT_TRUE(ask(io, *svc, r).answered);
  auto raw = server.raw();
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0],
            "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.25\nsender=alice@example.org\n"
            "recipient=bob@example.net\nhelo_name=evil??recipient=x\npolicy_context=submission\n");
}

TEST(PolicyService, MalformedRepliesAreFailedAttemptsThenTheDefaultAction) {
  ScriptedPolicyServer server([](const auto&, int, int) { return ScriptedReply{"result=ok\n\n"}; });
  asio::io_context io;
  auto s = settings_for(server);
  s.try_limit = 3;
  auto svc = make(io, s);
  ::tern::testing::TempDir dir;
  ASSERT_TRUE(log::open_sink("tern", dir.file("maillog"), false).ok());
  Answer a = ask(io, *svc, rcpt());
  EXPECT_FALSE(a.answered);
  EXPECT_EQ(a.action, "451 4.3.5 Server configuration problem");
  EXPECT_NE(a.problem.find("without action"), std::string::npos) << a.problem;
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.connections(), 3);  // a connection that sent garbage is not reused
  EXPECT_EQ(svc->idle_connections(), 0u);
  std::ifstream in(dir.file("maillog"));
  std::string log((std::istreambuf_iterator<char>(in)), {});
  ASSERT_TRUE(log::open_sink("tern", "", false).ok());
  EXPECT_NE(log.find("warning: problem talking to server " + server.inet() +
                     ": malformed reply: reply without action= attribute"),
            std::string::npos)
      << log;
}

TEST(PolicyService, SlowServerTimesOutIsRetriedThenTheDefaultAction) {
  ScriptedPolicyServer server([](const auto&, int, int) {
    ScriptedReply r = reply("OK");
    r.delay = 600ms;
    return r;
  });
  asio::io_context io;
  auto s = settings_for(server);
  s.timeout = 150ms;
  s.retry_delay = 100ms;
  s.try_limit = 2;
  s.default_action = "DUNNO";
  auto svc = make(io, s);
  auto start = std::chrono::steady_clock::now();
  Answer a = ask(io, *svc, rcpt());
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(a.answered);
  EXPECT_EQ(a.action, "DUNNO");
  EXPECT_EQ(a.problem, "timeout after 150ms");
  EXPECT_EQ(server.requests(), 2);
  EXPECT_GE(took, 400ms);  // two timeouts and the pause between them
  EXPECT_LT(took, 590ms * 2);
}

TEST(PolicyService, SlowFirstAttemptThenAnAnswer) {
  ScriptedPolicyServer server([](const auto&, int conn, int) {
    ScriptedReply r = reply("REJECT " + std::to_string(conn));
    if (conn == 1) r.delay = 500ms;
    return r;
  });
  asio::io_context io;
  auto s = settings_for(server);
  s.timeout = 150ms;
  auto svc = make(io, s);
  Answer a = ask(io, *svc, rcpt());
  EXPECT_TRUE(a.answered);
  EXPECT_EQ(a.action, "REJECT 2");
}

TEST(PolicyService, ServerClosingBetweenRequestsMeansReconnectWithoutUsingATry) {
  ScriptedPolicyServer server([](const auto&, int conn, int) {
    ScriptedReply r = reply("OK " + std::to_string(conn));
    r.close_after = true;
    return r;
  });
  asio::io_context io;
  auto s = settings_for(server);
  s.try_limit = 1;
  auto svc = make(io, s);
  EXPECT_EQ(ask(io, *svc, rcpt()).action, "OK 1");
  std::this_thread::sleep_for(50ms);  // the server has hung up by now
  Answer a = ask(io, *svc, rcpt());
  EXPECT_TRUE(a.answered) << a.problem;
  EXPECT_EQ(a.action, "OK 2");
  EXPECT_EQ(server.connections(), 2);
}

TEST(PolicyService, HangUpInsteadOfAReplyIsAFailedAttempt) {
  ScriptedPolicyServer server([](const auto&, int conn, int) {
    ScriptedReply r = reply("OK");
    r.hang_up = conn == 1;
    return r;
  });
  asio::io_context io;
  auto svc = make(io, settings_for(server));
  Answer a = ask(io, *svc, rcpt());
  EXPECT_TRUE(a.answered);
  EXPECT_EQ(server.connections(), 2);
}

TEST(PolicyService, ConnectionRefusedGivesTheDefaultAction) {
  int port = 0;
  int fd = delivery::smtp::testing::listen_on_test_port(25000, 1000, &port);
  ASSERT_GE(fd, 0);
  ::close(fd);  // nobody listens there now
  asio::io_context io;
  PolicyServiceSettings s;
  s.host = "127.0.0.1";
  s.port = std::to_string(port);
  s.name = "inet:127.0.0.1:" + s.port;
  s.retry_delay = 10ms;
  s.default_action = "DEFER_IF_PERMIT policy server down";
  auto svc = make(io, s);
  Answer a = ask(io, *svc, rcpt());
  EXPECT_FALSE(a.answered);
  EXPECT_EQ(a.action, "DEFER_IF_PERMIT policy server down");
  EXPECT_EQ(a.problem, "Connection refused");
}

TEST(PolicyService, RequestLimitPerConnection) {
  ScriptedPolicyServer server([](const auto&, int conn, int) { return reply("OK " + std::to_string(conn)); });
  asio::io_context io;
  auto s = settings_for(server);
  s.request_limit = 2;
  auto svc = make(io, s);
  std::vector<std::string> actions;
  for (int i = 0; i < 5; ++i) actions.push_back(ask(io, *svc, rcpt()).action);
  EXPECT_EQ(actions, (std::vector<std::string>{"OK 1", "OK 1", "OK 2", "OK 2", "OK 3"}));
  io.run_for(100ms);
  EXPECT_EQ(server.client_closes(), 2);
}

TEST(PolicyService, IdleConnectionsCloseAfterMaxIdle) {
  ScriptedPolicyServer server([](const auto&, int, int) { return reply("DUNNO"); });
  asio::io_context io;
  auto s = settings_for(server);
  s.max_idle = 200ms;
  auto svc = make(io, s);
  EXPECT_TRUE(ask(io, *svc, rcpt()).answered);
  EXPECT_EQ(svc->idle_connections(), 1u);
  io.run_for(100ms);
  EXPECT_EQ(svc->idle_connections(), 1u);
  io.run_for(300ms);
  EXPECT_EQ(svc->idle_connections(), 0u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(server.client_closes(), 1);
  EXPECT_TRUE(ask(io, *svc, rcpt()).answered);
  EXPECT_EQ(server.connections(), 2);
}

TEST(PolicyService, ConnectionsCloseAfterMaxTtlEvenWhenBusy) {
  ScriptedPolicyServer server([](const auto&, int conn, int) { return reply("OK " + std::to_string(conn)); });
  asio::io_context io;
  auto s = settings_for(server);
  s.max_ttl = 300ms;
  auto svc = make(io, s);
  EXPECT_EQ(ask(io, *svc, rcpt()).action, "OK 1");
  for (int i = 0; i < 4; ++i) {
    io.run_for(100ms);
    ask(io, *svc, rcpt());
  }
  EXPECT_EQ(ask(io, *svc, rcpt()).action, "OK 2");
}

TEST(PolicyService, ConcurrentRequestsEachGetTheirOwnReply) {
  ScriptedPolicyServer server([](const auto& a, int, int) {
    ScriptedReply r = reply("OK for " + a.at("recipient"));
    r.delay = 100ms;
    return r;
  });
  asio::io_context io;
  auto svc = make(io, settings_for(server));
  constexpr int kSessions = 6;
  std::vector<std::optional<Answer>> got(kSessions);
  std::vector<PolicyRequest> requests;  // a session's request lives while it is asked
  for (int i = 0; i < kSessions; ++i) requests.push_back(rcpt("u" + std::to_string(i) + "@example.net"));
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kSessions; ++i) {
      got[i].reset();
      asio::co_spawn(io, svc->query(requests[i]),
                     [&got, i](std::exception_ptr e, Answer a) {
                       if (e) std::rethrow_exception(e);
                       got[i] = std::move(a);
                     });
    }
    auto all = [&] {
      for (const auto& g : got)
        if (!g) return false;
      return true;
    };
    while (!all()) ASSERT_GT(io.run_one(), 0u);
    for (int i = 0; i < kSessions; ++i) EXPECT_EQ(got[i]->action, "OK for u" + std::to_string(i) + "@example.net");
  }
  EXPECT_EQ(server.connections(), kSessions);  // the second round reused the pool
  EXPECT_EQ(svc->idle_connections(), size_t(kSessions));
}

TEST(PolicyService, UnixSocket) {
  ::tern::testing::TempDir dir;
  ScriptedPolicyServer server([](const auto&, int, int) { return reply("REJECT via unix"); }, dir.file("policy"));
  ASSERT_TRUE(server.listening());
  auto p = ::tern::testing::test_params({{"queue_directory", dir.path()}});
  asio::io_context io;
  auto svc = policy_service_for("unix:policy", p, io);
  ASSERT_TRUE(svc.ok()) << svc.error().message;
  EXPECT_EQ(ask(io, **svc, rcpt()).action, "REJECT via unix");
}

TEST(PolicyService, NamesComeFromTheHostsFileOnly) {
  ::tern::testing::TempDir dir;
  dir.write("hosts", "# test\n127.0.0.1 localhost policy.example\n::1 localhost6\n");
  PolicyServiceSettings s;
  s.host = "policy.example";
  s.port = "10023";
  s.name = "inet:policy.example:10023";
  auto eps = policy_service_endpoints(s, dir.file("hosts"));
  ASSERT_TRUE(eps.ok()) << eps.error().message;
  ASSERT_EQ(eps->size(), 1u);
  s.host = "policy.example.org";
  eps = policy_service_endpoints(s, dir.file("hosts"));
  ASSERT_FALSE(eps.ok());
  EXPECT_NE(eps.error().message.find("not looked up in DNS"), std::string::npos);
}

TEST(PolicyService, OnePoolPerSpecAndEventLoop) {
  ScriptedPolicyServer server([](const auto&, int, int) { return reply("DUNNO"); });
  auto p = ::tern::testing::test_params({});
  asio::io_context io1, io2;
  auto a = make_policy_service(server.inet(), p, io1);
  auto b = make_policy_service(server.inet(), p, io1);
  auto c = make_policy_service(server.inet(), p, io2);
  auto d = make_policy_service("{ " + server.inet() + ", timeout=5s }", p, io1);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_NE(a->get(), c->get());
  EXPECT_NE(a->get(), d->get());
  auto e = make_policy_service("inet:no-such-host.example:10023", p, io1);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("no-such-host.example"), std::string::npos);
  auto f = make_policy_service("{ inet:127.0.0.1:1, timeout=soon }", p, io1);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("bad timeout"), std::string::npos);
}

TEST(PolicyService, AskIsTheDelegateInterface) {
  ScriptedPolicyServer server([](const auto&, int, int) { return reply("PREPEND X-Test: yes"); });
  asio::io_context io;
  auto d = make_policy_service(server.inet(), ::tern::testing::test_params({}), io);
  ASSERT_TRUE(d.ok());
  std::optional<Result<std::string>> out;
  auto delegate = *d;
  PolicyRequest request = rcpt();
  auto run = [&]() -> asio::awaitable<void> { out = co_await delegate->ask(request); };
  asio::co_spawn(io, run(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  while (!out) ASSERT_GT(io.run_one(), 0u);
  ASSERT_TRUE(out->ok());
  EXPECT_EQ(out->value(), "PREPEND X-Test: yes");
}

}  // namespace
}  // namespace tern::policy
