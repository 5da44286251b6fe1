// A tiny SMTP server on 127.0.0.1 for the agent tests: a thread that accepts connections
// one after another and answers each command from a fixed table (greeting, then 250 for
// EHLO/MAIL/RCPT/RSET, 354 for DATA, 250 after the dot, 221 for QUIT). It counts
// connections and transactions. Ports come from 25000-25999, or $TERN_TEST_PORTS (test_ports.hpp).
#pragma once
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <cstring>
#include <random>
#include <string>
#include <thread>

#include "test_ports.hpp"

namespace tern::delivery::smtp::testing {

class LoopbackServer {
 public:
  explicit LoopbackServer(std::string greeting = "220 loop.example ESMTP") : greeting_(std::move(greeting)) {
    fd_ = listen_on_test_port(25000, 1000, &port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }
  int connections() const { return connections_; }
  int messages() const { return messages_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      talk(c);
      ::close(c);
    }
  }
  void say(int c, const std::string& line) { (void)!::write(c, (line + "\r\n").data(), line.size() + 2); }
  void talk(int c) {
    say(c, greeting_);
    if (!greeting_.starts_with("220")) return;
    std::string in;
    bool data = false;
    char buf[4096];
    while (!stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, size_t(n));
      for (auto nl = in.find("\r\n"); nl != std::string::npos; nl = in.find("\r\n")) {
        std::string line = in.substr(0, nl);
        in.erase(0, nl + 2);
        if (data) {
          if (line == ".") {
            data = false;
            ++messages_;
            say(c, "250 2.0.0 Ok: queued");
          }
          continue;
        }
        std::string verb = line.substr(0, 4);
        if (verb == "DATA") {
          data = true;
          say(c, "354 go ahead");
        } else if (verb == "QUIT") {
          say(c, "221 2.0.0 Bye");
          return;
        } else {
          say(c, "250 2.0.0 Ok");
        }
      }
    }
  }

  std::string greeting_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0}, messages_{0};
  std::thread thread_;
};

}  // namespace tern::delivery::smtp::testing
