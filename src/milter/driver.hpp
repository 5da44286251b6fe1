// The milters of one SMTP session, driven stage by stage: connect, HELO, MAIL, RCPT, DATA
// and the end of the message (headers, body, end of body, then each milter's
// modifications applied before the next milter sees the message). Milters are asked in
// the configured order; the first that rejects decides. A milter that ACCEPTs is left out
// for the rest of the message (or the connection, at connect/HELO); one that fails gets
// milter_default_action for the rest of the session.
#pragma once
#include <asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/log.hpp"
#include "message/envelope.hpp"
#include "milter/client.hpp"
#include "milter/edit.hpp"
#include "milter/settings.hpp"
#include "smtp/reply.hpp"

namespace tern::milter {

// Macro values the session knows, by name as in the macro lists ("j", "{client_addr}").
using MacroValues = std::unordered_map<std::string, std::string>;

// What the session does after a stage.
struct Verdict {
  std::optional<smtp::Reply> reply;  // refuse the command (or message) with this reply
  bool discard = false;              // accept, then drop the message
  bool hold = false;                 // queue it on hold (quarantine)
  std::string hold_reason;
  bool disconnect = false;           // 421: end the session after the reply
  std::string milter;                // which milter decided (for the log)

  bool proceed() const { return !reply && !discard; }
};

struct ConnectInfo {
  std::string hostname;  // the client's name, "unknown" without one
  std::string address;   // "" when unknown
  uint16_t port = 0;
  bool v6 = false;
};

class Session {
 public:
  Session(asio::any_io_executor ex, const Settings& settings, const log::Logger& log, const MacroValues& macros);
  ~Session();

  asio::awaitable<Verdict> connect(const ConnectInfo& c);
  asio::awaitable<Verdict> helo(const std::string& name);
  // `args`: "<address>" then the ESMTP parameters, as the client gave them.
  asio::awaitable<Verdict> mail(const std::vector<std::string>& args);
  asio::awaitable<Verdict> rcpt(const std::vector<std::string>& args);
  asio::awaitable<Verdict> data();
  // A command smtpd does not know (v3+ milters; a refusal replaces the 502).
  asio::awaitable<Verdict> unknown(const std::string& line);
  // The whole message (our Received: on top); modifications are applied to `m`.
  asio::awaitable<Verdict> end_of_message(Message& m);
  // The transaction ended without a message (RSET, a new MAIL, a refused message).
  asio::awaitable<void> abort();
  asio::awaitable<void> quit();

  bool active() const;

 private:
  struct Slot;
  asio::awaitable<Verdict> envelope_stage(Command cmd, std::optional<MacroStage> stage, uint32_t no_bit,
                                          uint32_t nr_bit, std::string packet, bool connection_level);
  asio::awaitable<std::optional<Reply>> ask(Slot& s, std::optional<MacroStage> stage, std::string packet,
                                            bool want_reply,
                                            bool content, std::vector<Reply>* mods = nullptr);
  asio::awaitable<bool> message_to(Slot& s, Message& m, Verdict& v);
  bool decide(Slot& s, const Reply& r, Verdict& v, bool connection_level);
  void failed(Slot& s, Verdict& v);
  void apply_default(Verdict& v) const;
  std::string macro_packet(const std::vector<std::string>& names, Command cmd) const;

  asio::any_io_executor ex_;
  const Settings& settings_;
  const log::Logger& log_;
  const MacroValues& macros_;
  std::vector<std::unique_ptr<Slot>> slots_;
  bool in_message_ = false;
};

// "550 5.7.1 text" (REPLYCODE, several lines joined by CRLF) → a Reply.
smtp::Reply reply_from_text(std::string_view text);

}  // namespace tern::milter
