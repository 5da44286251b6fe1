// One mail transaction: MAIL FROM with its ESMTP parameters, a RCPT TO per recipient,
// DATA and the content, and each recipient's outcome from the reply that decides it. With
// PIPELINING, MAIL, the RCPTs and DATA go out in one write and the replies are read back
// in order (RFC 2920); without it each command waits for its reply. LMTP reads one reply
// per accepted recipient after the final dot (RFC 2033). An address verification probe
// stops after the RCPT replies (Postfix's smtp_address_verify_target = rcpt): a recipient
// the server accepted is deliverable, and no DATA is sent.
#include <algorithm>

#include "base/strings.hpp"
#include "delivery/smtp/content.hpp"
#include "delivery/smtp/mime.hpp"
#include "delivery/smtp/session.hpp"
#include "smtp/xforward.hpp"
#include "smtp/xtext.hpp"

namespace tern::delivery::smtp {

namespace {
std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}
}  // namespace

class Transaction {
 public:
  Transaction(Session& s, const Message& m, const std::vector<size_t>& rcpts)
      : s_(s), m_(m), rcpts_(rcpts), out_(rcpts.size()), decided_(rcpts.size(), false) {}

  std::vector<RcptOutcome> run();

 private:
  std::string mail_command(std::string_view body_type) const;
  std::string rcpt_command(size_t i) const;
  void fail_open(const SessionError& e);
  void decide(size_t i, const ServerReply& r, std::string_view command);
  void decide(size_t i, DeliveryResult::Kind kind, std::string dsn, std::string text);
  bool check_limits(std::string_view payload);
  bool send_xforward();
  bool needs_utf8() const;
  // Reads one reply; on failure marks every open recipient and returns nullopt.
  std::optional<ServerReply> reply(std::chrono::seconds limit, std::string_view stage);
  bool send(std::string_view bytes, std::chrono::seconds limit, std::string_view stage);
  std::vector<size_t> accepted() const;
  bool finish_data(const std::vector<size_t>& ok);

  Session& s_;
  const Message& m_;
  const std::vector<size_t>& rcpts_;
  std::vector<RcptOutcome> out_;
  std::vector<bool> decided_;
  std::vector<bool> accepted_;
};

void Transaction::decide(size_t i, DeliveryResult::Kind kind, std::string dsn, std::string text) {
  if (decided_[i]) return;
  decided_[i] = true;
  out_[i] = {kind, std::move(dsn), std::move(text)};
}

void Transaction::decide(size_t i, const ServerReply& r, std::string_view command) {
  if (r.positive()) {
    decide(i, DeliveryResult::sent, r.status(), printable(r.text(), 1000));
    out_[i].dsn_passed_on = s_.features().dsn && !s_.s_.lmtp;
    return;
  }
  SessionError e = s_.reply_error(r, command);
  decide(i, r.permanent() ? DeliveryResult::bounced : DeliveryResult::deferred, e.dsn, e.text);
}

void Transaction::fail_open(const SessionError& e) {
  for (size_t i = 0; i < out_.size(); ++i)
    decide(i, e.permanent() ? DeliveryResult::bounced : DeliveryResult::deferred, e.dsn, e.text);
}

bool Transaction::send(std::string_view bytes, std::chrono::seconds limit, std::string_view stage) {
  if (IoStatus io = s_.send(bytes, limit); !io) {
    s_.enter(State::broken);
    fail_open(s_.io_error(io, stage));
    return false;
  }
  return true;
}

std::optional<ServerReply> Transaction::reply(std::chrono::seconds limit, std::string_view stage) {
  IoStatus io;
  ReplyError perr;
  auto r = s_.read_reply(limit, &io, &perr);
  if (!r) {
    s_.enter(State::broken);
    fail_open(perr == ReplyError::need_more
                  ? s_.io_error(io, stage)
                  : SessionError{"4.5.0", "malformed reply from " + s_.peer() + " while " + std::string(stage) + ": " +
                                              describe(perr)});
  }
  return r;
}

std::string Transaction::mail_command(std::string_view body_type) const {
  const Envelope& e = m_.envelope;
  const Features& f = s_.features();
  std::string cmd = "MAIL FROM:<" + e.sender + ">";
  if (f.size) cmd += " SIZE=" + std::to_string(m_.content.size());
  if (f.eightbitmime && !body_type.empty()) cmd += " BODY=" + std::string(body_type);
  if (f.smtputf8 && e.smtputf8) cmd += " SMTPUTF8";
  if (f.dsn && !e.ret.empty()) cmd += " RET=" + e.ret;
  if (f.dsn && !e.envid.empty()) cmd += " ENVID=" + tern::smtp::encode_xtext(e.envid);
  if (f.requiretls && e.requiretls) cmd += " REQUIRETLS";
  return cmd + "\r\n";
}

std::string Transaction::rcpt_command(size_t i) const {
  const Recipient& r = m_.envelope.recipients.at(rcpts_[i]);
  std::string cmd = "RCPT TO:<" + r.address + ">";
  if (s_.features().dsn && r.notify) {
    std::vector<std::string> n;
    if (r.notify & notify_never) n.push_back("NEVER");
    if (r.notify & notify_success) n.push_back("SUCCESS");
    if (r.notify & notify_failure) n.push_back("FAILURE");
    if (r.notify & notify_delay) n.push_back("DELAY");
    cmd += " NOTIFY=" + join(n, ",");
  }
  if (s_.features().dsn && !r.orcpt.empty()) {
    auto semi = r.orcpt.find(';');
    if (semi != std::string::npos)
      cmd += " ORCPT=" + r.orcpt.substr(0, semi + 1) + tern::smtp::encode_xtext(r.orcpt.substr(semi + 1));
  }
  return cmd + "\r\n";
}

// Checks made before MAIL FROM that bounce the whole message, as Postfix makes them.
bool Transaction::check_limits(std::string_view payload) {
  const Features& f = s_.features();
  if (f.size && f.size_limit > 0 && (long long)m_.content.size() > f.size_limit) {
    fail_open({"5.3.4", "message size " + std::to_string(m_.content.size()) + " exceeds size limit " +
                            std::to_string(f.size_limit) + " of server " + s_.peer()});
    return false;
  }
  if (m_.envelope.smtputf8 && !f.smtputf8 && needs_utf8()) {
    fail_open({"5.6.7", "SMTPUTF8 is required, but was not offered by host " + s_.peer()});
    return false;
  }
  (void)payload;
  return true;
}

// Postfix bounces SMTPUTF8 mail for a server without SMTPUTF8 only when the envelope or
// the headers really hold UTF-8; all-ASCII mail goes out without the parameter.
bool Transaction::needs_utf8() const {
  const Envelope& e = m_.envelope;
  if (has_8bit(e.sender)) return true;
  for (size_t i : rcpts_)
    if (has_8bit(e.recipients.at(i).address)) return true;
  std::string_view c = m_.content;
  auto end = c.find("\n\n");
  return has_8bit(c.substr(0, end == std::string_view::npos ? c.size() : end));
}

// XFORWARD (Postfix's XFORWARD_README) before MAIL FROM, when the settings ask for it and
// the server offers it: the message's original client, for a server behind a content
// filter. A refusal fails the transaction as a refused MAIL FROM would; nothing else was
// sent, so the session stays usable.
bool Transaction::send_xforward() {
  const Features& f = s_.features();
  if (!s_.s_.send_xforward || f.xforward.empty()) return true;
  auto cmds = tern::smtp::xforward_commands(m_.envelope.client, m_.envelope.queue_id, f.xforward);
  std::string batch;
  for (const auto& c : cmds) batch += c;
  if (f.pipelining && !send(batch, s_.s_.t.xforward, "sending XFORWARD")) return false;
  std::optional<ServerReply> refused;
  for (const auto& c : cmds) {
    if (!f.pipelining && refused) break;
    if (!f.pipelining && !send(c, s_.s_.t.xforward, "sending XFORWARD")) return false;
    auto r = reply(s_.s_.t.xforward, "receiving the XFORWARD reply");  // every pipelined one
    if (!r) return false;
    if (!r->positive() && !refused) refused = std::move(*r);
  }
  if (refused) fail_open(s_.reply_error(*refused, "XFORWARD"));
  return !refused;
}

std::vector<size_t> Transaction::accepted() const {
  std::vector<size_t> ok;
  for (size_t i = 0; i < accepted_.size(); ++i)
    if (accepted_[i]) ok.push_back(i);
  return ok;
}

std::vector<RcptOutcome> Transaction::run() {
  const Features& f = s_.features();
  const auto& t = s_.s_.t;
  Converted body = prepare_body(m_, f.eightbitmime, s_.s_.mime_downgrade);
  std::string payload = data_payload(body.content, s_.s_.line_length_limit);
  if (!check_limits(payload)) return out_;
  if (!send_xforward()) return out_;
  accepted_.assign(rcpts_.size(), false);
  bool pipe = f.pipelining;
  bool probe = m_.envelope.verify_probe;
  std::string mail = mail_command(body.body_type);
  s_.enter(State::mail);
  if (pipe) {
    std::string batch = mail;
    for (size_t i = 0; i < rcpts_.size(); ++i) batch += rcpt_command(i);
    if (!probe) batch += "DATA\r\n";
    if (!send(batch, t.mail, "sending MAIL FROM")) return out_;
  } else if (!send(mail, t.mail, "sending MAIL FROM")) {
    return out_;
  }
  auto mr = reply(t.mail, "receiving the MAIL FROM reply");
  if (!mr) return out_;
  if (!mr->positive()) {
    SessionError e = s_.reply_error(*mr, "MAIL FROM");
    fail_open(e);
    if (!pipe) return out_;  // ready for RSET
  }
  s_.enter(State::rcpt);
  for (size_t i = 0; i < rcpts_.size(); ++i) {
    if (!pipe && !send(rcpt_command(i), t.rcpt, "sending RCPT TO")) return out_;
    auto rr = reply(t.rcpt, "receiving the RCPT TO reply");
    if (!rr) return out_;
    if (rr->positive() && mr->positive()) accepted_[i] = true;
    else decide(i, *rr, "RCPT TO");
    if (probe && accepted_[i]) decide(i, *rr, "RCPT TO");
  }
  if (probe) return out_;  // the session ends with RSET or QUIT: nothing was sent
  auto ok = accepted();
  if (!pipe && ok.empty()) return out_;
  if (!pipe && !send("DATA\r\n", t.data_init, "sending DATA command")) return out_;
  auto dr = reply(t.data_init, "receiving the DATA reply");
  if (!dr) return out_;
  if (dr->code != 354) {
    for (size_t i : ok) decide(i, *dr, "DATA");
    return out_;
  }
  s_.enter(State::data);
  if (ok.empty()) {  // the server took DATA without a recipient: end it empty
    if (send(".\r\n", t.data_xfer, "sending end of data")) reply(t.data_done, "sending end of data");
    return out_;
  }
  if (!send(payload, t.data_xfer, "sending message body")) return out_;
  finish_data(ok);
  return out_;
}

bool Transaction::finish_data(const std::vector<size_t>& ok) {
  const auto& t = s_.s_.t;
  // SMTP: one reply for all; LMTP: one per accepted recipient, in RCPT order.
  size_t replies = s_.s_.lmtp ? ok.size() : 1;
  for (size_t n = 0; n < replies; ++n) {
    auto r = reply(t.data_done, "sending end of data -- message may be sent more than once");
    if (!r) return false;
    if (s_.s_.lmtp) decide(ok[n], *r, "end of DATA");
    else
      for (size_t i : ok) decide(i, *r, "end of DATA");
  }
  s_.enter(State::sent);
  return true;
}

std::vector<RcptOutcome> Session::transact(const Message& m, const std::vector<size_t>& rcpts) {
  Transaction tx(*this, m, rcpts);
  auto out = tx.run();
  if (state_ != State::broken) enter(State::ready);  // RSET (or a new MAIL) may follow
  return out;
}

}  // namespace tern::delivery::smtp
