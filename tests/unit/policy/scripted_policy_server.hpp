// A scripted policy server on 127.0.0.1 (or a Unix socket) for the check_policy_service
// client tests: a thread per connection reads requests (name=value lines up to an empty
// line) and answers each as the test's script says: the reply bytes, after a delay, or a
// hang-up instead of a reply. It counts connections, requests and hang-ups it saw from
// the client, and keeps every request it read. Ports come from 25000-25999 or
// $TERN_TEST_PORTS (../delivery/test_ports.hpp).
#pragma once
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../delivery/test_ports.hpp"

namespace tern::policy::testing {

struct ScriptedReply {
  std::string bytes = "action=DUNNO\n\n";
  std::chrono::milliseconds delay{0};
  bool hang_up = false;        // close the connection instead of answering
  bool close_after = false;    // answer, then close the connection
};

using Attributes = std::map<std::string, std::string>;
// (request attributes, connection number from 1, request number on that connection from 1)
using Script = std::function<ScriptedReply(const Attributes&, int, int)>;

class ScriptedPolicyServer {
 public:
  explicit ScriptedPolicyServer(Script script, std::string unix_path = "")
      : script_(std::move(script)), unix_path_(std::move(unix_path)) {
    if (unix_path_.empty()) {
      fd_ = delivery::smtp::testing::listen_on_test_port(25000, 1000, &port_);
    } else {
      fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un sun{};
      sun.sun_family = AF_UNIX;
      unix_path_.copy(sun.sun_path, sizeof sun.sun_path - 1);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0 || ::listen(fd_, 16) != 0) {
        ::close(fd_);
        fd_ = -1;
      }
    }
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedPolicyServer() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : workers_) t.join();
    if (fd_ >= 0) ::close(fd_);
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
  }
  bool listening() const { return fd_ >= 0; }
  int port() const { return port_; }
  std::string inet() const { return "inet:127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }
  int requests() const { return requests_; }
  int client_closes() const { return client_closes_; }  // connections the client closed
  std::vector<Attributes> seen() const {
    std::lock_guard l(mu_);
    return seen_;
  }
  std::vector<std::string> raw() const {
    std::lock_guard l(mu_);
    return raw_;
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (fd_ < 0 || ::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      int n = ++connections_;
      workers_.emplace_back([this, c, n] { serve(c, n); });
    }
  }

  void serve(int c, int conn) {
    std::string in;
    char buf[4096];
    int nth = 0;
    while (!stop_) {
      size_t end = in.find("\n\n");
      if (end == std::string::npos) {
        pollfd p{c, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) {
          ++client_closes_;
          break;
        }
        in.append(buf, size_t(n));
        continue;
      }
      std::string request = in.substr(0, end + 1);
      in.erase(0, end + 2);
      Attributes attrs;
      for (size_t pos = 0; pos < request.size();) {
        size_t nl = request.find('\n', pos);
        std::string line = request.substr(pos, nl - pos);
        pos = nl + 1;
        size_t eq = line.find('=');
        if (eq != std::string::npos) attrs.emplace(line.substr(0, eq), line.substr(eq + 1));
      }
      {
        std::lock_guard l(mu_);
        seen_.push_back(attrs);
        raw_.push_back(request);
      }
      ++requests_;
      ScriptedReply r = script_(attrs, conn, ++nth);
      if (r.delay.count() > 0) std::this_thread::sleep_for(r.delay);
      if (r.hang_up) break;
      (void)!::send(c, r.bytes.data(), r.bytes.size(), MSG_NOSIGNAL);
      if (r.close_after) break;
    }
    ::close(c);
  }

  Script script_;
  std::string unix_path_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0}, requests_{0}, client_closes_{0};
  mutable std::mutex mu_;
  std::vector<Attributes> seen_;
  std::vector<std::string> raw_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;  // touched by the acceptor thread, then the destructor
};

}  // namespace tern::policy::testing
