// The per-session milter driver; see driver.hpp. Packets for steps the milter answers
// without a reply (SMFIP_NR_*) are held and written together with the next packet that
// needs one, so a header-by-header exchange costs one write per reply, not per header.
#include "milter/driver.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::milter {

struct Session::Slot {
  std::unique_ptr<Connection> conn;
  bool failed = false;          // milter_default_action from now on
  bool off_connection = false;  // ACCEPTed (or refused) the whole connection
  bool off_message = false;     // done with this message
  bool in_transaction = false;  // MAIL was sent: ABORT is due if the transaction ends early
  std::string pending;          // packets that wanted no reply, not yet written
};

smtp::Reply reply_from_text(std::string_view text) {
  smtp::Reply r{0, smtp::Status::none, ""};
  r.code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
  for (auto line : split_any(text, "\n")) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = line.size() > 4 ? line.substr(4) : std::string_view();
    if (!r.text.empty()) r.text += '\n';
    r.text += line;
  }
  return r;
}

Session::Session(asio::any_io_executor ex, const Settings& settings, const log::Logger& log,
                 const MacroValues& macros)
    : ex_(ex), settings_(settings), log_(log), macros_(macros) {
  for (const auto& e : settings_.milters) {
    auto s = std::make_unique<Slot>();
    s->conn = std::make_unique<Connection>(ex_, e, settings_, log_);
    slots_.push_back(std::move(s));
  }
}

Session::~Session() {
  for (auto& s : slots_) s->conn->close();
}

bool Session::active() const {
  for (const auto& s : slots_)
    if (!s->off_connection && !(s->failed && settings_.default_action == DefaultAction::accept)) return true;
  return false;
}

void Session::apply_default(Verdict& v) const {
  switch (settings_.default_action) {
    case DefaultAction::accept: break;
    // Postfix's words for a failed milter.
    case DefaultAction::reject: v.reply = smtp::Reply{550, smtp::Status::other_protocol, "Service unavailable"}; break;
    case DefaultAction::tempfail:
      v.reply = smtp::Reply{451, smtp::Status::config_error, "Server configuration problem - try again later"};
      break;
    case DefaultAction::quarantine:
      v.hold = true;
      if (v.hold_reason.empty()) v.hold_reason = "milter_default_action = quarantine";
      break;
  }
}

void Session::failed(Slot& s, Verdict& v) {
  if (!s.failed)
    log_.warning("milter {}: giving up on the milter, milter_default_action = {}", s.conn->endpoint().spec,
                 default_action_name(settings_.default_action));
  s.failed = true;
  s.conn->close();
  v.milter = s.conn->endpoint().spec;
  apply_default(v);
}

std::string Session::macro_packet(const std::vector<std::string>& names, Command cmd) const {
  Macros pairs;
  for (const auto& n : names) {
    auto it = macros_.find(n);
    if (it != macros_.end() && !it->second.empty()) {
      pairs.emplace_back(n, it->second);
      continue;
    }
    for (const auto& [dn, dv] : settings_.macro_defaults)
      if (dn == n) pairs.emplace_back(n, dv);
  }
  return pairs.empty() ? std::string() : encode_macros(cmd, pairs);
}

asio::awaitable<std::optional<Reply>> Session::ask(Slot& s, std::optional<MacroStage> stage, std::string pkt,
                                                   bool want_reply, bool content, std::vector<Reply>* mods) {
  Command cmd = Command(pkt[4]);
  if (stage) {
    const auto& asked = s.conn->negotiated().macros[size_t(*stage)];  // the milter's own list wins
    s.pending += macro_packet(asked ? *asked : settings_.macros[size_t(*stage)], cmd);
  } else if (cmd == Command::unknown) {  // no SMFIM_ stage: always our list
    s.pending += macro_packet(settings_.unknown_macros, cmd);
  }
  s.pending += pkt;
  if (!want_reply) co_return Reply{ReplyCode::continue_};
  std::string bytes = std::move(s.pending);
  s.pending.clear();
  co_return co_await s.conn->exchange(bytes, true, content, mods);
}

// True when `r` ends the stage for every milter (a refusal, a discard).
bool Session::decide(Slot& s, const Reply& r, Verdict& v, bool connection_level) {
  v.milter = s.conn->endpoint().spec;
  switch (r.code) {
    case ReplyCode::continue_:
    case ReplyCode::skip:
      return false;
    case ReplyCode::accept:
      (connection_level ? s.off_connection : s.off_message) = true;
      return false;
    case ReplyCode::reject:
      v.reply = smtp::Reply{550, smtp::Status::not_authorized, "Command rejected"};
      break;
    case ReplyCode::tempfail:
      v.reply = smtp::Reply{451, smtp::Status::not_authorized, "Service unavailable - try again later"};
      break;
    case ReplyCode::reply_code:
      v.reply = reply_from_text(r.text);
      v.disconnect = v.reply->code == 421;
      break;
    case ReplyCode::shutdown:
    case ReplyCode::conn_fail:
      v.reply = smtp::Reply{421, smtp::Status::not_authorized, "Service unavailable - try again later"};
      v.disconnect = true;
      break;
    case ReplyCode::discard:
      if (connection_level) {
        log_.warning("milter {}: DISCARD action is not allowed in the connect or HELO phase", v.milter);
        failed(s, v);
        return !v.proceed();
      }
      v.discard = true;
      break;
    default:
      log_.warning("milter {}: unexpected {} reply", v.milter, reply_name(char(r.code)));
      failed(s, v);
      return !v.proceed();
  }
  (connection_level ? s.off_connection : s.off_message) = true;
  return true;
}

asio::awaitable<Verdict> Session::envelope_stage(Command cmd, std::optional<MacroStage> stage, uint32_t no_bit,
                                                 uint32_t nr_bit,
                                                 std::string pkt, bool connection_level) {
  Verdict v;
  for (auto& sp : slots_) {
    Slot& s = *sp;
    if (s.off_connection || (!connection_level && s.off_message)) continue;
    if (s.failed) {
      apply_default(v);
      if (!v.proceed()) co_return v;
      continue;
    }
    const auto& n = s.conn->negotiated();
    if ((n.steps & no_bit) || (cmd == Command::data && n.version < 4) || (cmd == Command::unknown && n.version < 3))
      continue;
    if (cmd == Command::mail) s.in_transaction = true;
    auto r = co_await ask(s, stage, pkt, !(n.steps & nr_bit), false);
    if (!r) {
      failed(s, v);
      if (!v.proceed()) co_return v;
      continue;
    }
    bool off_connection = s.off_connection, off_message = s.off_message;
    if (decide(s, *r, v, connection_level)) {
      if (cmd == Command::rcpt || cmd == Command::unknown) {  // a refused recipient or command ends nothing else
        s.off_connection = off_connection;
        s.off_message = off_message;
      }
      co_return v;
    }
  }
  co_return v;
}

asio::awaitable<Verdict> Session::connect(const ConnectInfo& c) {
  for (auto& sp : slots_) {
    Verdict unused;  // envelope_stage applies the default action of a failed milter
    if (!co_await sp->conn->open()) failed(*sp, unused);
  }
  char family = c.address.empty() ? 'U' : c.v6 ? '6' : '4';
  co_return co_await envelope_stage(Command::connect, MacroStage::connect, step::no_connect, step::nr_connect,
                                    encode_connect(c.hostname, family, c.port, c.address), true);
}

asio::awaitable<Verdict> Session::helo(const std::string& name) {
  std::vector<std::string> args(1, name);  // (a braced list here trips GCC 12's coroutines)
  co_return co_await envelope_stage(Command::helo, MacroStage::helo, step::no_helo, step::nr_helo,
                                    encode_strings(Command::helo, args), true);
}

asio::awaitable<Verdict> Session::mail(const std::vector<std::string>& args) {
  if (in_message_) co_await abort();
  for (auto& s : slots_) s->off_message = false;
  in_message_ = true;
  co_return co_await envelope_stage(Command::mail, MacroStage::mail, step::no_mail, step::nr_mail,
                                    encode_strings(Command::mail, args), false);
}

asio::awaitable<Verdict> Session::rcpt(const std::vector<std::string>& args) {
  co_return co_await envelope_stage(Command::rcpt, MacroStage::rcpt, step::no_rcpt, step::nr_rcpt,
                                    encode_strings(Command::rcpt, args), false);
}

asio::awaitable<Verdict> Session::data() {
  co_return co_await envelope_stage(Command::data, MacroStage::data, step::no_data, step::nr_data,
                                    packet(Command::data), false);
}

asio::awaitable<Verdict> Session::unknown(const std::string& line) {
  std::vector<std::string> args(1, line);
  // Outside a transaction an unknown command is about the connection (Postfix's view).
  co_return co_await envelope_stage(Command::unknown, std::nullopt, step::no_unknown, step::nr_unknown,
                                    encode_strings(Command::unknown, args), !in_message_);
}

// One milter's pass over the message; true when its answer ends the message for all.
asio::awaitable<bool> Session::message_to(Slot& s, Message& m, Verdict& v) {
  const auto& n = s.conn->negotiated();
  bool lead = n.steps & step::header_leading_space;
  auto answered = [&](const std::optional<Reply>& r) -> int {  // 1: stop all, 0: go on, -1: this milter is done
    if (!r) {
      failed(s, v);
      return v.proceed() ? -1 : 1;
    }
    if (decide(s, *r, v, false)) return 1;
    return s.off_message ? -1 : 0;
  };
  auto parts = MessageParts::split(m.content);
  if (!(n.steps & step::no_headers)) {
    for (const auto& f : parts.fields) {
      auto [name, value] = header_for_milter(f, lead);
      int a = answered(co_await ask(s, std::nullopt, encode_header(name, value), !(n.steps & step::nr_header), true));
      if (a) co_return a > 0;
    }
  }
  if (!(n.steps & step::no_eoh)) {
    int a = answered(co_await ask(s, MacroStage::eoh, packet(Command::eoh), !(n.steps & step::nr_eoh), true));
    if (a) co_return a > 0;
  }
  if (!(n.steps & step::no_body)) {
    const std::string& body = parts.body;
    std::string crlf;
    crlf.reserve(body.size() + body.size() / 32);
    for (char c : body) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    for (size_t at = 0; at < crlf.size(); at += kBodyChunk) {
      auto r = co_await ask(s, std::nullopt, packet(Command::body, std::string_view(crlf).substr(at, kBodyChunk)),
                            !(n.steps & step::nr_body), true);
      if (r && r->code == ReplyCode::skip) break;
      int a = answered(r);
      if (a) co_return a > 0;
    }
  }
  std::vector<Reply> mods;
  auto r = co_await ask(s, MacroStage::eom, packet(Command::body_eob), true, true, &mods);
  s.in_transaction = false;
  if (!r) {
    failed(s, v);
    co_return !v.proceed();
  }
  if (r->code == ReplyCode::accept || r->code == ReplyCode::continue_) {
    auto e = apply_modifications(mods, m, lead);
    if (e.hold) {
      v.hold = true;
      v.hold_reason = e.hold_reason.empty() ? "milter triggers HOLD action" : e.hold_reason;
      v.milter = s.conn->endpoint().spec;
    }
  }
  bool stop = decide(s, *r, v, false);
  s.off_message = true;
  co_return stop;
}

asio::awaitable<Verdict> Session::end_of_message(Message& m) {
  Verdict v;
  for (auto& sp : slots_) {
    Slot& s = *sp;
    if (s.off_connection || s.off_message) continue;
    if (s.failed) {
      apply_default(v);
      if (!v.proceed()) break;
      continue;
    }
    if (co_await message_to(s, m, v)) break;
  }
  co_await abort();  // the milters a refusal kept from their end of message, or that accepted early
  co_return v;
}

asio::awaitable<void> Session::abort() {
  in_message_ = false;
  for (auto& s : slots_) {
    if (!s->in_transaction || s->failed || !s->conn->is_open()) continue;
    s->in_transaction = false;
    std::string bytes = std::move(s->pending) + packet(Command::abort);
    s->pending.clear();
    co_await s->conn->send(bytes);
  }
}

asio::awaitable<void> Session::quit() {
  for (auto& s : slots_) {
    if (!s->conn->is_open()) continue;
    std::string bytes = std::move(s->pending) + packet(Command::quit);
    s->pending.clear();
    co_await s->conn->send(bytes);
    s->conn->close();
  }
}

}  // namespace tern::milter
