// The session's setup and teardown steps and its reply reading; see session.hpp. The mail
// transaction itself is in transaction.cpp.
#include "delivery/smtp/session.hpp"

#include <algorithm>

#include "base/strings.hpp"

namespace tern::delivery::smtp {

namespace {
std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
  return out;
}
}  // namespace

const char* state_name(State s) {
  switch (s) {
    case State::idle: return "idle";
    case State::greeted: return "greeted";
    case State::ready: return "ready";
    case State::mail: return "mail";
    case State::rcpt: return "rcpt";
    case State::data: return "data";
    case State::sent: return "sent";
    case State::broken: return "broken";
    case State::closed: return "closed";
  }
  return "?";
}

Features parse_ehlo(const ServerReply& r, const std::vector<std::string>& discard) {
  Features f;
  f.esmtp = true;
  for (size_t i = 1; i < r.lines.size(); ++i) {
    auto words = split_any(r.lines[i], " =");
    if (words.empty()) continue;
    std::string kw = lower(words[0]);
    if (std::find(discard.begin(), discard.end(), kw) != discard.end()) continue;
    if (kw == "pipelining") f.pipelining = true;
    else if (kw == "dsn") f.dsn = true;
    else if (kw == "smtputf8") f.smtputf8 = true;
    else if (kw == "8bitmime") f.eightbitmime = true;
    else if (kw == "starttls") f.starttls = true;
    else if (kw == "requiretls") f.requiretls = true;
    else if (kw == "size") {
      f.size = true;
      if (words.size() > 1)
        if (auto v = parse_int(words[1]); v && *v > 0) f.size_limit = *v;
    } else if (kw == "auth") {
      for (size_t w = 1; w < words.size(); ++w) f.auth.push_back(upper_ascii(words[w]));
    } else if (kw == "xforward") {
      for (size_t w = 1; w < words.size(); ++w) f.xforward.push_back(upper_ascii(words[w]));
    }
  }
  return f;
}

Session::Session(Channel& ch, DialogueSettings s, std::string peer)
    : ch_(ch), s_(std::move(s)), peer_(std::move(peer)) {}

void Session::enter(State to) {
  transitions_.emplace_back(state_, to);
  state_ = to;
}

IoStatus Session::send(std::string_view bytes, std::chrono::seconds limit) {
  return ch_.write(bytes, deadline_in(limit));
}

std::optional<ServerReply> Session::read_reply(std::chrono::seconds limit, IoStatus* io, ReplyError* perr) {
  Deadline d = deadline_in(limit);
  *perr = ReplyError::need_more;
  for (;;) {
    if (!inbuf_.empty()) {
      ParseStep step = parser_.feed(inbuf_);
      inbuf_.erase(0, step.consumed);
      if (step.error == ReplyError::none) {
        *perr = ReplyError::none;
        return parser_.take();
      }
      if (step.error != ReplyError::need_more) {
        *perr = step.error;
        parser_.reset();
        return std::nullopt;
      }
    }
    if (IoStatus s = ch_.read(inbuf_, d); !s) {
      *io = s;
      return std::nullopt;
    }
  }
}

SessionError Session::io_error(const IoStatus& io, std::string_view stage) const {
  if (io.kind == IoStatus::timeout)
    return {"4.4.2", "conversation with " + peer_ + " timed out while " + std::string(stage)};
  if (io.kind == IoStatus::closed) return {"4.4.2", "lost connection with " + peer_ + " while " + std::string(stage)};
  return {"4.4.2", "error talking to " + peer_ + " while " + std::string(stage) + ": " + io.detail};
}

SessionError Session::reply_error(const ServerReply& r, std::string_view command) const {
  return {r.status(), "host " + peer_ + " said: " + printable(r.text(), 1000) + " (in reply to " +
                          std::string(command) + " command)"};
}

// Sends one command line and reads its reply; any failure to get a reply is *err.
std::optional<ServerReply> Session::command(std::string_view line, std::chrono::seconds limit,
                                            std::string_view stage, SessionError* err) {
  if (IoStatus io = send(std::string(line) + "\r\n", limit); !io) {
    *err = io_error(io, "sending " + std::string(stage));
    enter(State::broken);
    return std::nullopt;
  }
  IoStatus io;
  ReplyError perr;
  auto r = read_reply(limit, &io, &perr);
  if (!r) {
    *err = perr == ReplyError::need_more
               ? io_error(io, "receiving the " + std::string(stage) + " reply")
               : SessionError{"4.5.0", "malformed reply from " + peer_ + " to " + std::string(stage) + ": " + describe(perr)};
    enter(State::broken);
  }
  return r;
}

std::optional<SessionError> Session::open() {
  IoStatus io;
  ReplyError perr;
  auto greeting = read_reply(s_.t.helo, &io, &perr);
  if (!greeting) {
    enter(State::broken);
    if (perr != ReplyError::need_more)
      return SessionError{"4.5.0", "malformed greeting from " + peer_ + ": " + describe(perr)};
    return io_error(io, "receiving the initial server greeting");
  }
  if (greeting->code != 220) {
    enter(State::broken);
    std::string dsn = greeting->status();
    return SessionError{dsn, "host " + peer_ + " refused to talk to me: " + printable(greeting->text(), 1000)};
  }
  enter(State::greeted);
  return hello();
}

std::optional<SessionError> Session::hello() {
  SessionError err;
  const char* verb = s_.lmtp ? "LHLO" : "EHLO";
  if (s_.lmtp || !s_.never_ehlo) {
    auto r = command(std::string(verb) + " " + s_.helo_name, s_.t.helo, s_.lmtp ? "LHLO" : "EHLO", &err);
    if (!r) return err;
    if (r->positive()) {
      features_ = parse_ehlo(*r, s_.discard_ehlo);
      enter(State::ready);
      return std::nullopt;
    }
    if (s_.lmtp || r->code == 421) {
      enter(State::broken);
      return reply_error(*r, verb);
    }
  }
  auto r = command("HELO " + s_.helo_name, s_.t.helo, "HELO", &err);
  if (!r) return err;
  if (!r->positive()) {
    enter(State::broken);
    return SessionError{r->status(), "host " + peer_ + " refused to talk to me: " + printable(r->text(), 1000)};
  }
  features_ = {};
  enter(State::ready);
  return std::nullopt;
}

std::optional<SessionError> Session::starttls() {
  SessionError err;
  auto r = command("STARTTLS", s_.t.starttls, "STARTTLS", &err);
  if (!r) return err;
  if (r->code != 220) return reply_error(*r, "STARTTLS");
  enter(State::greeted);  // EHLO again after the handshake
  return std::nullopt;
}

std::optional<SessionError> Session::auth(const std::string& mech, const std::optional<std::string>& initial,
                                          const std::vector<std::string>& responses) {
  SessionError err;
  std::string line = "AUTH " + mech + (initial ? " " + (initial->empty() ? std::string("=") : *initial) : "");
  auto r = command(line, s_.t.helo, "AUTH", &err);
  for (size_t i = 0; r && r->code == 334; ++i) {
    // A server asking for more than the mechanism has: cancel the exchange.
    r = command(i < responses.size() ? responses[i] : "*", s_.t.helo, "AUTH", &err);
  }
  if (!r) return err;
  if (r->code != 235) {
    return SessionError{r->status(), "SASL authentication failed; server " + peer_ + " said: " +
                                         printable(r->text(), 1000)};
  }
  return std::nullopt;
}

std::optional<SessionError> Session::rset() {
  SessionError err;
  auto r = command("RSET", s_.t.rset, "RSET", &err);
  if (!r) return err;
  if (!r->positive()) {
    enter(State::broken);
    return reply_error(*r, "RSET");
  }
  enter(State::ready);
  return std::nullopt;
}

void Session::quit(std::chrono::seconds limit) {
  if (state_ == State::broken || state_ == State::closed) return;
  SessionError ignored;
  command("QUIT", std::min(limit, s_.t.quit), "QUIT", &ignored);
  enter(State::closed);
}

}  // namespace tern::delivery::smtp
