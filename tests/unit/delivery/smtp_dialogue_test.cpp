// Scripted dialogue files (tests/unit/delivery/dialogues/*.txt): a whole client conversation
// line by line — "S:" what the server sends, "C:" what the client must send, in the exact
// order on the wire (so PIPELINING shows as C lines running ahead of the S lines) — plus the
// setup ("lmtp", "rcpt ADDRESS") and the expected outcome per recipient
// ("outcome INDEX sent|deferred|bounced DSN"). The message is "Subject: hi\n\nbody\n" from
// alice@example.org. The peer fails the test when the client sends out of turn or waits
// for a reply the script does not give.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "delivery/smtp/session.hpp"

namespace tern::delivery::smtp {
namespace {

struct Line {
  bool server;
  std::string text;
};

class SequentialPeer : public Channel {
 public:
  explicit SequentialPeer(std::vector<Line> script) : script_(std::move(script)) {}
  std::vector<std::string> errors;

  IoStatus write(std::string_view data, Deadline) override {
    in_ += data;
    for (auto nl = in_.find("\r\n"); nl != std::string::npos; nl = in_.find("\r\n")) {
      std::string got = in_.substr(0, nl);
      in_.erase(0, nl + 2);
      if (pos_ >= script_.size() || script_[pos_].server) {
        errors.push_back("client sent \"" + got + "\" out of turn at script line " + std::to_string(pos_ + 1));
        return {IoStatus::closed, "script mismatch"};
      }
      if (got != script_[pos_].text) errors.push_back("expected \"" + script_[pos_].text + "\", got \"" + got + "\"");
      ++pos_;
    }
    return {};
  }
  IoStatus read(std::string& out, Deadline) override {
    size_t start = pos_;
    while (pos_ < script_.size() && script_[pos_].server) out += script_[pos_++].text + "\r\n";
    if (pos_ == start) {
      errors.push_back("client waited for a reply at script line " + std::to_string(pos_ + 1));
      return {IoStatus::timeout, "no reply due"};
    }
    return {};
  }
  bool finished() const { return pos_ == script_.size(); }

 private:
  std::vector<Line> script_;
  size_t pos_ = 0;
  std::string in_;
};

struct Dialogue {
  bool lmtp = false;
  std::vector<std::string> rcpts;
  std::vector<Line> script;
  std::vector<std::tuple<size_t, std::string, std::string>> outcomes;
};

Dialogue load(const std::filesystem::path& path) {
  Dialogue d;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("S: ") || line == "S:") d.script.push_back({true, line.size() > 3 ? line.substr(3) : ""});
    else if (line.starts_with("C: ") || line == "C:") d.script.push_back({false, line.size() > 3 ? line.substr(3) : ""});
    else if (line == "lmtp") d.lmtp = true;
    else if (line.starts_with("rcpt ")) d.rcpts.push_back(line.substr(5));
    else if (line.starts_with("outcome ")) {
      std::istringstream w(line.substr(8));
      size_t i;
      std::string kind, dsn;
      w >> i >> kind >> dsn;
      d.outcomes.emplace_back(i, kind, dsn);
    } else {
      ADD_FAILURE() << path << ": unknown line " << line;
    }
  }
  return d;
}

const char* kind_name(DeliveryResult::Kind k) {
  return k == DeliveryResult::sent ? "sent" : k == DeliveryResult::deferred ? "deferred" : "bounced";
}

TEST(SmtpDialogueFiles, EveryScriptPlaysThrough) {
  auto dir = std::filesystem::path(TERN_SOURCE_DIR) / "tests/unit/delivery/dialogues";
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().filename().string());
    Dialogue d = load(entry.path());
    SequentialPeer peer(d.script);
    DialogueSettings settings;
    settings.lmtp = d.lmtp;
    Session s(peer, settings, "peer.example[192.0.2.1]");
    Message m;
    m.envelope.sender = "alice@example.org";
    std::vector<size_t> idx;
    for (const auto& r : d.rcpts) {
      idx.push_back(m.envelope.recipients.size());
      m.envelope.recipients.push_back({r});
    }
    m.content = "Subject: hi\n\nbody\n";
    ASSERT_FALSE(s.open());
    auto out = s.transact(m, idx);
    s.quit();
    EXPECT_EQ(peer.errors, std::vector<std::string>{});
    EXPECT_TRUE(peer.finished());
    ASSERT_EQ(out.size(), d.rcpts.size());
    for (const auto& [i, kind, dsn] : d.outcomes) {
      EXPECT_EQ(kind_name(out.at(i).kind), kind) << "recipient " << i << ": " << out[i].text;
      EXPECT_EQ(out.at(i).dsn, dsn) << "recipient " << i;
    }
    ++count;
  }
  EXPECT_GE(count, 3u);
}

}  // namespace
}  // namespace tern::delivery::smtp
