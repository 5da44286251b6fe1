// A scripted milter peer for unit tests: a Unix socket in a temp dir served by a thread
// that answers each command from its script (else SMFIR_CONTINUE) and records what the
// MTA sent (command letters, macros). Used by the driver tests and the queue's
// non_smtpd_milters tests.
#pragma once
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "milter/protocol.hpp"

namespace tern::milter::scripted {

using namespace std::string_literals;

inline std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }
inline std::string pkt(char c, const std::string& p = {}) { return be32(uint32_t(p.size() + 1)) + c + p; }

class ScriptedPeer {
 public:
  ScriptedPeer(std::string path, uint32_t actions, uint32_t steps) : path_(std::move(path)) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 4) != 0)
      std::abort();
    optneg_ = pkt('O', be32(6) + be32(actions) + be32(steps));
    steps_ = steps;
  }
  ~ScriptedPeer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    if (thread_.joinable()) thread_.join();
  }
  // Replies for the next command `letter` (each call adds one answer, in order).
  void script(char letter, std::string replies) { script_[letter].push_back(std::move(replies)); }
  void delay(char letter, int ms) { delay_[letter] = ms; }
  void hang_up_at(char letter) { hang_up_ = letter; }
  void start() { thread_ = std::thread([this] { serve(); }); }
  std::string letters() {
    std::lock_guard l(mu_);
    return letters_;
  }
  std::map<std::string, std::string> macros(char for_command) {
    std::lock_guard l(mu_);
    return macros_[for_command];
  }

 private:
  bool read_n(int fd, std::string& out, size_t n) {
    out.resize(n);
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::read(fd, out.data() + got, n - got);
      if (r <= 0) return false;
      got += size_t(r);
    }
    return true;
  }
  void serve() {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string len, body;
    while (read_n(fd, len, 4)) {
      uint32_t n = uint32_t(uint8_t(len[0])) << 24 | uint32_t(uint8_t(len[1])) << 16 | uint32_t(uint8_t(len[2])) << 8 |
                   uint8_t(len[3]);
      if (!read_n(fd, body, n)) break;
      char c = body[0];
      if (c == 'O') {
        (void)!::send(fd, optneg_.data(), optneg_.size(), MSG_NOSIGNAL);
        continue;
      }
      if (c == 'D') {
        std::lock_guard l(mu_);
        auto& m = macros_[body[1]];
        size_t pos = 2;
        while (pos < body.size()) {
          auto nul = body.find('\0', pos);
          auto nul2 = body.find('\0', nul + 1);
          m[body.substr(pos, nul - pos)] = body.substr(nul + 1, nul2 - nul - 1);
          pos = nul2 + 1;
        }
        continue;
      }
      {
        std::lock_guard l(mu_);
        letters_ += c;
      }
      if (c == hang_up_) break;
      bool no_reply = c == 'A' || c == 'K' || c == 'Q' || (c == 'L' && (steps_ & step::nr_header));
      if (c == 'Q') break;
      if (no_reply) continue;
      if (delay_.count(c)) std::this_thread::sleep_for(std::chrono::milliseconds(delay_[c]));
      std::string reply = pkt('c');
      if (!script_[c].empty()) {
        reply = script_[c].front();
        script_[c].erase(script_[c].begin());
      }
      if (::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) break;
    }
    ::close(fd);
  }

  std::string path_;
  int listen_fd_ = -1;
  std::string optneg_;
  uint32_t steps_ = 0;
  std::map<char, std::vector<std::string>> script_;
  std::map<char, int> delay_;
  char hang_up_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string letters_;
  std::map<char, std::map<std::string, std::string>> macros_;
};

template <class T>
T run(asio::io_context& io, asio::awaitable<T> a) {
  auto f = asio::co_spawn(io, std::move(a), asio::use_future);
  io.restart();
  io.run();
  return f.get();
}

}  // namespace tern::milter::scripted
