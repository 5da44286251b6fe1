// The `dovecot` back end against a real Dovecot (dovecot-core): started here with only
// its auth service, listening on a Unix socket in a temp dir, passdb a passwd-file with
// users whose hashes are made by this test; stopped by PID. There is no skipping: a
// missing dovecot fails the test (scripts/deps.sh installs dovecot-core).
// Also a fake auth server that never answers, for the request timeout.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <asio/local/stream_protocol.hpp>
#include <asio/write.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "../temp_dir.hpp"
#include "sasl/base64.hpp"
#include "sasl/command.hpp"
#include "sasl/dovecot.hpp"
#include "sasl/log_format.hpp"
#include "sasl_test_util.hpp"

extern char** environ;

namespace tern::sasl {
namespace {

using namespace std::chrono_literals;
using tern::testing::TempDir;
using testing::make_hash;
using testing::run_on;

constexpr const char* kDovecot = "/usr/sbin/dovecot";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One Dovecot master (and its auth, log, config, anvil children) in `dir`.
class DovecotServer {
 public:
  DovecotServer(const TempDir& dir, std::string mechanisms) : dir_(dir), mechs_(std::move(mechanisms)) {}
  ~DovecotServer() { stop(); }

  std::string socket() const { return dir_.file("auth"); }

  // Empty on success, else why (with Dovecot's own output).
  std::string start() {
    if (::access(kDovecot, X_OK) != 0)
      return std::string(kDovecot) + " not found: install dovecot-core (scripts/deps.sh does)";
    // The auth process runs as the `dovecot` user and must read the users file.
    ::chmod(dir_.path().c_str(), 0755);
    ::mkdir(dir_.file("run").c_str(), 0755);
    ::mkdir(dir_.file("state").c_str(), 0755);
    ::chmod(dir_.file("users").c_str(), 0644);
    dir_.write("dovecot.conf",
               "base_dir = " + dir_.file("run") + "\n"
               "state_dir = " + dir_.file("state") + "\n"
               "instance_name = tern-sasl-" + std::to_string(::getpid()) + "\n"
               "log_path = " + dir_.file("dovecot.log") + "\n"
               "protocols =\n"
               "ssl = no\n"
               "auth_mechanisms = " + mechs_ + "\n"
               "auth_failure_delay = 0\n"
               "passdb {\n  driver = passwd-file\n  args = " + dir_.file("users") + "\n}\n"
               "userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=/nonexistent\n}\n"
               "service auth {\n  unix_listener " + socket() + " {\n    mode = 0666\n  }\n}\n");
    std::string conf = dir_.file("dovecot.conf");
    std::string out = dir_.file("dovecot.out");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    // Its own process group, so stop() reaches the auth child too (it would otherwise
    // keep serving open connections after the master is gone).
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    const char* argv[] = {kDovecot, "-F", "-c", conf.c_str(), nullptr};
    int rc = posix_spawn(&pid_, kDovecot, &fa, &attr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return "posix_spawn dovecot: " + std::string(strerror(rc));
    for (int i = 0; i < 200; ++i) {  // up to 10 s for the socket to accept
      if (connectable()) return {};
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "dovecot exited at start:\n" + slurp(out) + slurp(dir_.file("dovecot.log"));
      }
      std::this_thread::sleep_for(50ms);
    }
    return "dovecot's auth socket did not appear:\n" + slurp(out) + slurp(dir_.file("dovecot.log"));
  }

  // TERM to the group we started (master and children), up to 5 s for the master, then
  // KILL to whatever of that group is left.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
      gone = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!gone) std::this_thread::sleep_for(50ms);
    }
    ::kill(-pid_, SIGKILL);
    if (!gone) ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string log() const { return slurp(dir_.file("dovecot.log")); }

 private:
  bool connectable() const {
    asio::io_context io;
    asio::local::stream_protocol::socket s(io);
    asio::error_code ec;
    s.connect(asio::local::stream_protocol::endpoint(socket()), ec);
    return !ec;
  }
  const TempDir& dir_;
  std::string mechs_;
  pid_t pid_ = -1;
};

class DovecotBackendTest : public ::testing::Test {
 protected:
  void start(std::string mechanisms = "plain login") {
    dir_.write("users", "alice:{SHA512-CRYPT}" + make_hash("$6$", "s3cret") + "\n" +
                            "bob:" + make_hash("$y$", "hunter2") + ":::::::\n");
    server_ = std::make_unique<DovecotServer>(dir_, std::move(mechanisms));
    std::string err = server_->start();
    ASSERT_TRUE(err.empty()) << err;
    DovecotOptions o;
    o.path = server_->socket();
    o.timeout = 20s;
    backend_ = std::make_unique<DovecotBackend>(io_, o);
  }
  AuthResult verify(std::string mech, std::string user, std::string pw, const Peer& peer = {}) {
    Credentials c{"", std::move(user), std::move(pw)};
    return run_on(io_, backend_->verify(mech, c, peer));
  }
  void prepare() { run_on(io_, backend_->prepare()); }

  TempDir dir_;
  asio::io_context io_;
  std::unique_ptr<DovecotServer> server_;
  std::unique_ptr<DovecotBackend> backend_;
};

TEST_F(DovecotBackendTest, HandshakeAdvertisesServerMechanisms) {
  start();
  EXPECT_TRUE(backend_->mechanisms().empty());  // nothing known before connecting
  prepare();
  EXPECT_TRUE(backend_->connected());
  EXPECT_EQ(backend_->mechanisms(), (std::vector<std::string>{"PLAIN", "LOGIN"}));
  EXPECT_TRUE(backend_->allows_proxy());
  // A mechanism the server does not offer is refused before it reaches Dovecot.
  auto r = parse_auth_command("CRAM-MD5 abc", backend_->mechanisms());
  ASSERT_TRUE(std::holds_alternative<Reply>(r));
  EXPECT_EQ(std::get<Reply>(r).wire(), "504 5.5.4 Unrecognized authentication type\r\n");
}

TEST_F(DovecotBackendTest, PlainSuccessAndWrongPassword) {
  start();
  AuthResult ok = verify("PLAIN", "alice", "s3cret", Peer{"192.0.2.7", "192.0.2.1", true});
  ASSERT_TRUE(ok.ok()) << ok.reason << "\n" << server_->log();
  EXPECT_EQ(ok.username, "alice");
  EXPECT_EQ(result_reply(ok).wire(), "235 2.7.0 Authentication successful\r\n");
  EXPECT_TRUE(verify("LOGIN", "bob", "hunter2").ok());  // yescrypt via Dovecot too

  AuthResult bad = verify("PLAIN", "alice", "wrong");
  EXPECT_EQ(bad.kind, AuthResult::Kind::fail);
  EXPECT_EQ(bad.username, "alice");
  EXPECT_EQ(result_reply(bad).code, 535);
  EXPECT_EQ(auth_failed_text("unknown[127.0.0.1]", "PLAIN", bad),
            "unknown[127.0.0.1]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=alice");
  EXPECT_EQ(verify("PLAIN", "nobody", "s3cret").kind, AuthResult::Kind::fail);
}

TEST_F(DovecotBackendTest, MechanismDrivesBackend) {
  start();
  prepare();
  MechanismOptions o;
  o.allow_proxy = backend_->allows_proxy();
  auto m = make_mechanism("LOGIN", o);
  Step s = m->start(std::nullopt);
  s = m->respond(base64_encode("alice"));
  s = m->respond(base64_encode("s3cret"));
  ASSERT_EQ(s.kind, Step::Kind::credentials);
  AuthResult r = run_on(io_, backend_->verify(m->name(), s.credentials));
  EXPECT_TRUE(r.ok());
  // A proxy authzid is Dovecot's to judge: alice is no master user, so it fails there.
  auto p = make_mechanism("PLAIN", o);
  Step t = p->start(base64_encode(std::string("bob\0alice\0s3cret", 16)));
  ASSERT_EQ(t.kind, Step::Kind::credentials);
  EXPECT_EQ(run_on(io_, backend_->verify("PLAIN", t.credentials)).kind, AuthResult::Kind::fail);
}

TEST_F(DovecotBackendTest, ManyRequestsInFlightOnOneConnection) {
  start();
  std::vector<std::future<AuthResult>> futs;
  std::vector<Credentials> creds;
  for (int i = 0; i < 10; ++i) creds.push_back({"", i % 2 ? "alice" : "bob", i % 2 ? "s3cret" : "bad"});
  for (auto& c : creds) futs.push_back(asio::co_spawn(io_, backend_->verify("PLAIN", c), asio::use_future));
  auto done = [&] {
    for (auto& f : futs)
      if (f.wait_for(0s) != std::future_status::ready) return false;
    return true;
  };
  for (int i = 0; i < 400 && !done(); ++i) io_.run_one_for(50ms);
  ASSERT_TRUE(done());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(futs[i].get().ok(), i % 2 == 1) << i;
}

TEST_F(DovecotBackendTest, OnlyLoginOffered) {
  start("login");
  prepare();
  EXPECT_EQ(backend_->mechanisms(), (std::vector<std::string>{"LOGIN"}));
  EXPECT_TRUE(verify("LOGIN", "alice", "s3cret").ok());  // Dovecot's LOGIN exchange
  EXPECT_EQ(verify("LOGIN", "alice", "nope").kind, AuthResult::Kind::fail);
}

TEST_F(DovecotBackendTest, ReconnectsAfterDovecotRestarts) {
  start();
  ASSERT_TRUE(verify("PLAIN", "alice", "s3cret").ok());
  server_->stop();
  AuthResult down = verify("PLAIN", "alice", "s3cret");
  EXPECT_EQ(down.kind, AuthResult::Kind::tempfail);
  EXPECT_EQ(result_reply(down).wire(),
            "454 4.7.0 Temporary authentication failure: Can't connect to authentication server\r\n");
  std::string err = server_->start();
  ASSERT_TRUE(err.empty()) << err;
  EXPECT_TRUE(verify("PLAIN", "alice", "s3cret").ok());
}

TEST_F(DovecotBackendTest, MissingSocketIsTempfail) {
  DovecotBackend b(io_, DovecotOptions{dir_.file("no-such-socket"), "smtp", 2s});
  Credentials c{"", "alice", "pw"};
  AuthResult r = run_on(io_, b.verify("PLAIN", c));
  EXPECT_EQ(r.kind, AuthResult::Kind::tempfail);
  EXPECT_TRUE(b.mechanisms().empty());
}

// A server that completes the handshake, then never answers: each request times out.
TEST(DovecotBackendTimeout, SilentServer) {
  TempDir dir;
  asio::io_context io;
  std::string path = dir.file("auth");
  asio::local::stream_protocol::acceptor acc(io, asio::local::stream_protocol::endpoint(path));
  asio::local::stream_protocol::socket peer(io);
  acc.async_accept(peer, [&](asio::error_code ec) {
    if (ec) return;
    static const std::string hello = "VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nSPID\t1\nCUID\t1\nCOOKIE\tx\nDONE\n";
    asio::async_write(peer, asio::buffer(hello), [](asio::error_code, size_t) {});
  });
  DovecotBackend b(io, DovecotOptions{path, "smtp", 300ms});
  Credentials c{"", "alice", "pw"};
  AuthResult r = run_on(io, b.verify("PLAIN", c));
  EXPECT_EQ(r.kind, AuthResult::Kind::tempfail);
  EXPECT_EQ(r.reason, "Timeout waiting for authentication server");
  EXPECT_TRUE(b.connected());  // the connection stays; a late reply is dropped
}

// A server that never finishes the handshake: the connect deadline applies.
TEST(DovecotBackendTimeout, StuckHandshake) {
  TempDir dir;
  asio::io_context io;
  std::string path = dir.file("auth");
  asio::local::stream_protocol::acceptor acc(io, asio::local::stream_protocol::endpoint(path));
  asio::local::stream_protocol::socket peer(io);
  acc.async_accept(peer, [](asio::error_code) {});
  DovecotBackend b(io, DovecotOptions{path, "smtp", 300ms});
  Credentials c{"", "alice", "pw"};
  AuthResult r = run_on(io, b.verify("PLAIN", c));
  EXPECT_EQ(r.kind, AuthResult::Kind::tempfail);
  EXPECT_FALSE(b.connected());
}

}  // namespace
}  // namespace tern::sasl
