// One SMTP or LMTP conversation with one server, as a blocking state machine over a
// Channel: greeting, EHLO/LHLO (HELO fallback), STARTTLS and AUTH commands, then mail
// transactions (transaction.cpp) with PIPELINING when offered, RSET and QUIT. Each step
// has its own time limit; failures come back as Postfix words them ("host X said: 550 …
// (in reply to RCPT TO command)", "lost connection with X while sending message body").
// State changes go through enter(), which the unit tests read back.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "delivery/result.hpp"
#include "delivery/smtp/channel.hpp"
#include "delivery/smtp/reply.hpp"
#include "message/envelope.hpp"

namespace tern::delivery::smtp {

struct Timeouts {
  std::chrono::seconds connect{30}, helo{300}, mail{300}, rcpt{300}, data_init{120}, data_xfer{180},
      data_done{600}, quit{300}, rset{20}, starttls{300}, xforward{300};
};

struct DialogueSettings {
  bool lmtp = false;
  std::string helo_name = "localhost";
  bool never_ehlo = false;
  std::vector<std::string> discard_ehlo;  // keywords to ignore (lower case)
  bool mime_downgrade = true;             // 8-bit body to a peer without 8BITMIME: convert
  size_t line_length_limit = 998;         // smtp_line_length_limit, 0 = none
  bool send_xforward = false;             // smtp_send_xforward_command: when offered, XFORWARD
                                          // the message's client before MAIL FROM
  Timeouts t;
};

// What the server's EHLO reply offered.
struct Features {
  bool esmtp = false, pipelining = false, dsn = false, smtputf8 = false, eightbitmime = false;
  bool starttls = false, requiretls = false, size = false;
  long long size_limit = 0;  // 0: no limit announced
  std::vector<std::string> auth;  // mechanisms, upper case
  std::vector<std::string> xforward;  // XFORWARD attribute names, upper case
};
Features parse_ehlo(const ServerReply& r, const std::vector<std::string>& discard);

// A failure of the session as a whole.
struct SessionError {
  std::string dsn;   // "4.4.2", "5.0.0"
  std::string text;  // the reason for the log and the bounce
  bool permanent() const { return !dsn.empty() && dsn[0] == '5'; }
};

struct RcptOutcome {
  DeliveryResult::Kind kind = DeliveryResult::deferred;
  std::string dsn, text;
  bool dsn_passed_on = false;  // accepted by an SMTP server that offered DSN
};

enum class State { idle, greeted, ready, mail, rcpt, data, sent, broken, closed };
const char* state_name(State s);

class Session {
 public:
  // `peer` is "host[addr]" as logged (for LMTP over a socket, "host[path]").
  Session(Channel& ch, DialogueSettings s, std::string peer);

  // Greeting and EHLO/LHLO (HELO when EHLO is refused).
  std::optional<SessionError> open();
  // EHLO again (after STARTTLS).
  std::optional<SessionError> hello();
  // Sends STARTTLS; on 220 the caller runs the handshake on the channel, then hello().
  std::optional<SessionError> starttls();
  // One AUTH exchange: `initial` goes on the AUTH line, `responses` answer 334s in order.
  std::optional<SessionError> auth(const std::string& mech, const std::optional<std::string>& initial,
                                   const std::vector<std::string>& responses);
  // One mail transaction for `rcpts` (indexes into the envelope). Returns one outcome per
  // element of `rcpts`, in order.
  std::vector<RcptOutcome> transact(const Message& m, const std::vector<size_t>& rcpts);
  std::optional<SessionError> rset();
  // QUIT within smtp_quit_timeout, or `limit` when shorter (closing idle cached sessions).
  void quit(std::chrono::seconds limit = std::chrono::seconds::max());

  const Features& features() const { return features_; }
  State state() const { return state_; }
  bool usable() const { return state_ == State::ready; }
  const std::vector<std::pair<State, State>>& transitions() const { return transitions_; }
  const std::string& peer() const { return peer_; }
  Channel& channel() { return ch_; }

 private:
  friend class Transaction;
  void enter(State to);
  IoStatus send(std::string_view bytes, std::chrono::seconds limit);
  std::optional<ServerReply> read_reply(std::chrono::seconds limit, IoStatus* io, ReplyError* perr);
  // The reason for an I/O failure "while <stage>".
  SessionError io_error(const IoStatus& io, std::string_view stage) const;
  SessionError reply_error(const ServerReply& r, std::string_view command) const;
  std::optional<ServerReply> command(std::string_view line, std::chrono::seconds limit, std::string_view stage,
                                     SessionError* err);

  Channel& ch_;
  DialogueSettings s_;
  std::string peer_;
  Features features_;
  State state_ = State::idle;
  std::vector<std::pair<State, State>> transitions_;
  std::string inbuf_;
  ReplyParser parser_;
};

}  // namespace tern::delivery::smtp
