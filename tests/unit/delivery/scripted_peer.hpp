// An in-memory SMTP/LMTP server for the client dialogue tests: a Channel that records
// what the client writes (command lines, how many per write, the DATA payload) and answers
// each command with the next reply scripted for its verb ("." for the end of data). A read
// with nothing to answer is a test failure (the client waited for a reply never due), and
// fail_after_writes makes the connection drop to walk the I/O error paths.
#pragma once
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "base/strings.hpp"
#include "delivery/smtp/channel.hpp"

namespace tern::delivery::smtp::testing {

class ScriptedPeer : public Channel {
 public:
  std::string pending = "220 peer.example ESMTP\r\n";  // the greeting
  std::map<std::string, std::deque<std::string>> replies;  // verb -> replies (last one repeats)
  std::vector<std::string> commands;                       // command lines as received
  std::vector<size_t> batches;                             // commands per write() call
  std::string payload;                                     // DATA content as written
  int fail_after_writes = -1;                              // writes allowed before "lost connection"
  size_t dot_replies = 1;  // LMTP: one reply per accepted recipient after the dot

  void script(const std::string& verb, std::vector<std::string> rs) {
    for (auto& r : rs) replies[verb].push_back(r + (r.ends_with("\n") ? "" : "\r\n"));
  }

  IoStatus write(std::string_view data, Deadline) override {
    if (fail_after_writes == 0) return {IoStatus::closed, "lost connection"};
    if (fail_after_writes > 0) --fail_after_writes;
    size_t n = 0;
    in_ += data;
    for (auto nl = in_.find("\r\n"); nl != std::string::npos; nl = in_.find("\r\n")) {
      std::string line = in_.substr(0, nl);
      in_.erase(0, nl + 2);
      if (in_data_) {
        if (line == ".") {
          in_data_ = false;
          for (size_t i = 0; i < dot_replies; ++i) answer(".");
        } else {
          payload += line + "\r\n";
        }
        continue;
      }
      ++n;
      commands.push_back(line);
      std::string verb = line.substr(0, line.find_first_of(" :"));
      answer(lower(verb) == "mail" ? "MAIL" : lower(verb) == "rcpt" ? "RCPT" : std::string(verb));
      if (verb == "DATA" && pending_last_.starts_with("354")) in_data_ = true;
    }
    if (n) batches.push_back(n);
    return {};
  }

  IoStatus read(std::string& out, Deadline) override {
    if (pending.empty()) return {IoStatus::timeout, "no reply scripted"};
    out += pending;
    pending.clear();
    return {};
  }

 private:
  void answer(const std::string& verb) {
    auto& q = replies[verb];
    std::string r = q.empty() ? "250 2.0.0 Ok\r\n" : q.front();
    if (q.size() > 1) q.pop_front();
    pending += r;
    pending_last_ = r;
  }
  std::string in_;
  bool in_data_ = false;
  std::string pending_last_;
};

}  // namespace tern::delivery::smtp::testing
