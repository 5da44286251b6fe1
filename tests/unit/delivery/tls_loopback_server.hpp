// A tiny STARTTLS-capable SMTP server on 127.0.0.1 for the DANE agent tests: a thread that
// accepts connections one after another, offers STARTTLS in its EHLO reply, does the TLS
// handshake with the SSL_CTX it was given (blocking, on the accepted socket), and answers
// the rest of the session from a fixed table (250, 354 for DATA, 221 for QUIT). It counts
// messages and how many of them came over TLS. Ports come from 25400-25499, or
// $TERN_TEST_PORTS (test_ports.hpp).
#pragma once
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "test_ports.hpp"

namespace tern::delivery::smtp::testing {

class TlsLoopbackServer {
 public:
  explicit TlsLoopbackServer(std::shared_ptr<SSL_CTX> ctx) : ctx_(std::move(ctx)) {
    fd_ = listen_on_test_port(25400, 100, &port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsLoopbackServer() {
    stop_ = true;
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }
  int messages() const { return messages_; }
  int tls_messages() const { return tls_messages_; }

 private:
  struct Conn {
    int fd;
    SSL* ssl = nullptr;
    ~Conn() {
      if (ssl) SSL_free(ssl);
      ::close(fd);
    }
    void say(const std::string& line) {
      std::string out = line + "\r\n";
      if (ssl) SSL_write(ssl, out.data(), int(out.size()));
      else (void)!::write(fd, out.data(), out.size());
    }
    long get(char* buf, size_t n) { return ssl ? SSL_read(ssl, buf, int(n)) : ::read(fd, buf, n); }
  };

  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Conn conn{c};
      talk(conn);
    }
  }
  void talk(Conn& c) {
    c.say("220 tls.example ESMTP");
    std::string in;
    bool data = false;
    char buf[4096];
    while (!stop_) {
      if (!c.ssl) {
        pollfd p{c.fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
      }
      long n = c.get(buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, size_t(n));
      for (auto nl = in.find("\r\n"); nl != std::string::npos; nl = in.find("\r\n")) {
        std::string line = in.substr(0, nl);
        in.erase(0, nl + 2);
        if (data) {
          if (line == ".") {
            data = false;
            ++messages_;
            if (c.ssl) ++tls_messages_;
            c.say("250 2.0.0 Ok: queued");
          }
          continue;
        }
        std::string verb = line.substr(0, 4);
        if (verb == "EHLO") {
          c.say(c.ssl ? "250 tls.example" : "250-tls.example\r\n250 STARTTLS");
        } else if (verb == "STAR" && !c.ssl) {
          c.say("220 2.0.0 Ready to start TLS");
          c.ssl = SSL_new(ctx_.get());
          SSL_set_fd(c.ssl, c.fd);
          if (SSL_accept(c.ssl) != 1) return;  // the client gave up (or failed) the handshake
          in.clear();
        } else if (verb == "DATA") {
          data = true;
          c.say("354 go ahead");
        } else if (verb == "QUIT") {
          c.say("221 2.0.0 Bye");
          return;
        } else {
          c.say("250 2.0.0 Ok");
        }
      }
    }
  }

  std::shared_ptr<SSL_CTX> ctx_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> messages_{0}, tls_messages_{0};
  std::thread thread_;
};

}  // namespace tern::delivery::smtp::testing
