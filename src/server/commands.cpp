// The command table and handlers: each handler checks the command against the state and
// the policy and returns the reply; the only effects are the state change and the
// transaction fields. Everything here runs without sockets (see tests/unit/server).
#include <unistd.h>

#include <cctype>

#include <fmt/format.h>

#include "base/queue_id.hpp"
#include "base/strings.hpp"
#include "base/time.hpp"
#include "server/session.hpp"
#include "route/verp.hpp"
#include "smtp/address.hpp"
#include "smtp/xtext.hpp"

namespace tern::server {

using smtp::Reply;
using smtp::Status;
using smtp::Verb;

namespace {

// A command's handler: a plain function, or a coroutine when it applies restrictions.
struct CommandSpec {
  Verb verb;
  Session::Outcome (Session::*handle)(std::string_view) = nullptr;
  asio::awaitable<Session::Outcome> (Session::*await)(std::string_view) = nullptr;
};

Reply bad_sequence(std::string text) { return {503, Status::bad_sequence, std::move(text)}; }
Reply syntax(std::string text) { return {501, Status::bad_syntax, std::move(text)}; }

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

bool valid_helo_arg(std::string_view a) {
  if (a.empty() || a.size() > 255) return false;
  for (char c : a)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return false;
  return true;
}

}  // namespace

asio::awaitable<Session::Outcome> Session::on_helo(std::string_view arg, bool extended) {
  if (!valid_helo_arg(arg))
    co_return Outcome{syntax(extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname")};
  if (!ctx_->delay_reject && !ctx_->helo_r.words.empty()) {
    // Postfix checks the name before taking it: a refused HELO leaves the session as it was.
    std::string before = std::exchange(client_.helo, std::string(arg));
    auto refused = co_await restrict(single(&ctx_->helo_r, policy::Stage::helo), extended ? "EHLO" : "HELO", "", "",
                                     &session_defer_);
    client_.helo = std::move(before);
    if (refused) co_return Outcome{*refused};
  }
  reset_transaction();
  client_.helo = std::string(arg);
  client_.protocol = extended ? "ESMTP" : "SMTP";
  if (extended && tls_) client_.protocol = "ESMTPS";
  enter_state(State::greeted);
  co_return ehlo_outcome(extended);
}

Session::Outcome Session::ehlo_outcome(bool extended) const {
  if (!extended) return {Reply{250, Status::none, p().myhostname}};
  bool starttls = ctx_->tls && ctx_->tls->enabled() && !tls_;
  bool verp = client_ip_ && ctx_->verp_allowed(*client_ip_);  // Postfix offers XVERP only to allowed clients
  bool xforward = xforward_allowed();
  std::vector<std::string> mechs;
  if (ctx_->sasl && (tls_ || !p().smtpd_tls_auth_only)) mechs = offered_mechanisms();
  if (!starttls && !verp && !xforward && mechs.empty() && !tls_)
    return {smtp::ehlo_reply(p().myhostname, ctx_->ehlo_keywords)};
  auto keywords = ctx_->ehlo_keywords;
  if (starttls) keywords.push_back("STARTTLS");
  if (tls_) keywords.push_back("REQUIRETLS");  // RFC 8689: offered only under TLS
  if (!mechs.empty()) {
    std::string list;
    for (const auto& m : mechs) list += (list.empty() ? "" : " ") + m;
    keywords.push_back("AUTH " + list);
    if (p().broken_sasl_auth_clients) keywords.push_back("AUTH=" + list);
  }
  if (verp) keywords.push_back("XVERP");
  if (xforward) keywords.emplace_back(smtp::kXforwardKeyword);
  return {smtp::ehlo_reply(p().myhostname, keywords)};
}

asio::awaitable<Session::Outcome> Session::on_mail(std::string_view arg) {
  Outcome o = check_mail(arg);
  if (!o.reply.positive() || ctx_->delay_reject || ctx_->sender_r.words.empty()) co_return o;
  // smtpd_delay_reject = no: the sender restrictions answer MAIL.
  if (policy::uses_spf(ctx_->sender_r) && spf_wanted()) co_await check_spf();
  if (auto refused = co_await restrict(single(&ctx_->sender_r, policy::Stage::sender), "MAIL", sender_, "", &sender_defer_)) {
    reset_transaction();
    co_return Outcome{*refused};
  }
  co_return o;
}

Session::Outcome Session::check_mail(std::string_view arg) {
  if (state_ == State::connected && p().smtpd_helo_required)
    return {bad_sequence("Error: send HELO/EHLO first")};
  if (bdat_used_) return {bad_sequence("Error: MAIL after BDAT")};
  if (state_ == State::mail || state_ == State::rcpt) return {bad_sequence("Error: nested MAIL command")};
  auto path = smtp::parse_path(arg, "FROM");
  if (!path) {
    if (istarts_with(arg, "FROM:")) return {Reply{501, Status::bad_sender_syntax, "Bad sender address syntax"}};
    return {syntax("Syntax: MAIL FROM:<address>")};
  }
  if (auto r = rates_.refuse(RateEvent::message, client_, ctx_->service, log_, now_seconds())) return {r->reply};
  std::string body, envid, ret, verp;
  bool utf8 = false, requiretls = false;
  size_t declared_size = 0;
  for (const auto& [k, v] : path->params) {
    if (k == "SIZE") {
      auto n = parse_int(v);
      if (!n || *n < 0) return {syntax("Bad message size syntax")};
      if (ctx_->max_message_size && size_t(*n) > ctx_->max_message_size)
        return {Reply{552, Status::too_big, "Message size exceeds fixed limit"}};
      declared_size = size_t(*n);
    } else if (k == "BODY") {
      std::string b = lower(v);
      if (b != "7bit" && b != "8bitmime") return {syntax("Unsupported BODY parameter")};
      body = b == "7bit" ? "7BIT" : "8BITMIME";
    } else if (k == "SMTPUTF8" && ctx_->smtputf8) {
      if (!v.empty()) return {syntax("Bad SMTPUTF8 parameter syntax")};
      utf8 = true;
    } else if (k == "REQUIRETLS") {
      // RFC 8689: only over TLS (where it is offered), and kept with the message.
      if (!tls_) return {Reply{530, Status::security, "REQUIRETLS needs a TLS session"}};
      if (!v.empty()) return {syntax("Bad REQUIRETLS parameter syntax")};
      requiretls = true;
    } else if (k == "RET") {
      std::string r = lower(v);
      if ((r != "full" && r != "hdrs") || !ret.empty()) return {syntax("Bad RET parameter syntax")};
      ret = r == "full" ? "FULL" : "HDRS";
    } else if (k == "ENVID") {
      auto id = smtp::decode_xtext(v);
      if (!id || id->empty() || id->size() > 100 || !envid.empty()) return {syntax("Bad ENVID parameter syntax")};
      envid = std::move(*id);
    } else if (k == "XVERP") {
      if (!client_ip_ || !ctx_->verp_allowed(*client_ip_))
        return {Reply{554, Status::not_authorized, "Access denied"}};  // Postfix's words
      verp = v.empty() ? p().default_verp_delimiters : v;
      if (auto st = route::check_verp_delimiters(verp, p().verp_delimiter_filter); !st)
        return {syntax("Bad XVERP parameter: " + st.error().message)};
    } else {
      return {Reply{555, Status::bad_syntax, "Unsupported option: " + printable(k, 40)}};
    }
  }
  if (!utf8 && !is_ascii(path->address))
    return {Reply{553, Status::utf8_required, "Must declare SMTPUTF8 to send unicode address"}};
  sender_ = std::move(path->address);
  smtputf8_ = utf8;
  requiretls_ = requiretls;
  body_type_ = std::move(body);
  envid_ = std::move(envid);
  ret_ = std::move(ret);
  verp_ = sender_.empty() ? std::string() : std::move(verp);
  message_size_ = declared_size;
  instance_ = fmt::format("{:x}.{:x}.{}", ::getpid(), client_.port, ++transactions_);
  enter_state(State::mail);
  return {Reply{250, Status::sender_ok, "Ok"}};
}

asio::awaitable<Session::Outcome> Session::on_rcpt(std::string_view arg) {
  Recipient rcpt;
  Outcome o = check_rcpt(arg, rcpt);
  if (!o.reply.positive()) co_return o;
  if (auto rejected = co_await check_recipient(rcpt.address, false)) co_return Outcome{*rejected};
  if (queue_id_.empty()) {  // Postfix opens the queue file at the first valid recipient
    queue_id_ = make_queue_id();
    arrival_ = now_seconds();
    log_client();
  }
  rcpts_.push_back(std::move(rcpt));
  enter_state(State::rcpt);
  co_return o;
}

// RCPT's syntax, parameters and limits; `rcpt` filled in when they pass.
Session::Outcome Session::check_rcpt(std::string_view arg, Recipient& out) {
  if (state_ != State::mail && state_ != State::rcpt) return {bad_sequence("Error: need MAIL command")};
  if (bdat_used_) return {bad_sequence("Error: RCPT after BDAT")};
  auto path = smtp::parse_path(arg, "TO");
  if (!path) {
    if (istarts_with(arg, "TO:")) return {Reply{501, Status::bad_rcpt_syntax, "Bad recipient address syntax"}};
    return {syntax("Syntax: RCPT TO:<address>")};
  }
  if (path->address.empty()) return {Reply{501, Status::bad_rcpt_syntax, "Bad recipient address syntax"}};
  if (auto r = rates_.refuse(RateEvent::recipient, client_, ctx_->service, log_, now_seconds())) return {r->reply};
  if (!smtputf8_ && !is_ascii(path->address))
    return {Reply{553, Status::utf8_required, "Must declare SMTPUTF8 to send unicode address"}};
  Recipient rcpt{std::move(path->address)};
  for (const auto& [k, v] : path->params) {
    if (k == "NOTIFY") {
      uint8_t bits = 0;
      for (auto word : split_any(lower(v), ",")) {
        if (word == "never") bits |= notify_never;
        else if (word == "success") bits |= notify_success;
        else if (word == "failure") bits |= notify_failure;
        else if (word == "delay") bits |= notify_delay;
        else return {syntax("Bad NOTIFY parameter syntax")};
      }
      if (!bits || ((bits & notify_never) && bits != notify_never) || rcpt.notify)
        return {syntax("Bad NOTIFY parameter syntax")};
      rcpt.notify = bits;
    } else if (k == "ORCPT") {
      auto semi = v.find(';');
      auto addr = semi == std::string::npos ? Result<std::string>(Error{""}) : smtp::decode_xtext(v.substr(semi + 1));
      if (!addr || semi == 0 || !rcpt.orcpt.empty()) return {syntax("Bad ORCPT parameter syntax")};
      rcpt.orcpt = lower(v.substr(0, semi)) + ";" + *addr;
    } else {
      return {Reply{555, Status::bad_syntax, "Unsupported option: " + printable(k, 40)}};
    }
  }
  if (p().smtpd_recipient_limit > 0 && rcpts_.size() >= size_t(p().smtpd_recipient_limit))
    return {Reply{452, Status::too_many_rcpts, "Error: too many recipients"}};
  out = std::move(rcpt);
  return {Reply{250, Status::recipient_ok, "Ok"}};
}

asio::awaitable<Session::Outcome> Session::on_data(std::string_view arg) {
  if (!arg.empty()) co_return Outcome{syntax("Syntax: DATA")};
  if (bdat_used_) co_return Outcome{bad_sequence("Error: DATA after BDAT")};
  if (state_ == State::mail) co_return Outcome{Reply{554, Status::bad_sequence, "Error: no valid recipients"}};
  if (state_ != State::rcpt) co_return Outcome{bad_sequence("Error: need RCPT command")};
  if (!ctx_->data_r.words.empty())
    if (auto refused = co_await restrict(single(&ctx_->data_r, policy::Stage::data), "DATA", sender_,
                                         rcpts_.size() == 1 ? std::string_view(rcpts_[0].address) : "", nullptr))
      co_return Outcome{*refused};
  Outcome o{Reply{354, Status::none, "End data with <CR><LF>.<CR><LF>"}};
  o.start_data = true;
  co_return o;
}

// BDAT size [LAST] (RFC 3030). The chunk is read after the command whatever the reply,
// so a refused chunk never turns into commands.
Session::Outcome Session::on_bdat(std::string_view arg) {
  auto words = split_any(arg, " ");
  Outcome o{Reply{250, Status::ok, "Ok"}};
  auto n = words.empty() ? std::nullopt : parse_int(words[0]);
  bool last = words.size() == 2 && iequals(words[1], "LAST");
  if (!n || *n < 0 || words.size() > 2 || (words.size() == 2 && !last)) {
    // Without a valid size we cannot know where the chunk ends: the session cannot go on.
    o.reply = Reply{501, Status::bad_syntax, "Syntax: BDAT count [LAST]"};
    o.close = true;
    return o;
  }
  o.bdat = true;
  o.bdat_size = size_t(*n);
  o.bdat_last = last;
  if (state_ == State::mail) o.reply = Reply{554, Status::bad_sequence, "Error: no valid recipients"};
  else if (state_ != State::rcpt) o.reply = bad_sequence("Error: need RCPT command");
  else bdat_used_ = true;
  return o;
}

// STARTTLS (RFC 3207). After the handshake the session starts over: EHLO again.
Session::Outcome Session::on_starttls(std::string_view arg) {
  if (!arg.empty()) return {syntax("Syntax: STARTTLS")};
  if (tls_) return {Reply{554, Status::bad_sequence, "Error: TLS already active"}};
  if (!ctx_->tls || !ctx_->tls->enabled()) return {Reply{502, Status::bad_sequence, "Error: command not implemented"}};
  if (auto r = rates_.refuse_starttls(client_, ctx_->service, log_, now_seconds())) return {r->reply};
  // RFC 3207 does not forbid STARTTLS in a transaction; like Postfix, start over.
  reset_transaction();
  state_ = State::connected;
  client_.helo.clear();
  starttls_pending_ = true;
  return {Reply{220, Status::ok, "Ready to start TLS"}};
}

// AUTH (RFC 4954): the checks here; the exchange itself is run_auth().
Session::Outcome Session::on_auth(std::string_view arg) {
  auto as_reply = [](const sasl::Reply& r) {
    return Reply{r.code, Status::none, r.enhanced.empty() ? r.text : r.enhanced + " " + r.text};
  };
  if (state_ == State::connected && p().smtpd_helo_required)
    return {bad_sequence("Error: send HELO/EHLO first")};
  sasl::AuthGate gate{ctx_->sasl != nullptr, state_ == State::mail || state_ == State::rcpt,
                      p().smtpd_tls_auth_only, tls_ != nullptr, !client_.sasl_username.empty()};
  if (auto refused = sasl::check_auth_allowed(gate)) return {as_reply(*refused)};
  if (auto r = rates_.refuse(RateEvent::auth, client_, ctx_->service, log_, now_seconds())) return {r->reply};
  auto parsed = sasl::parse_auth_command(arg, offered_mechanisms());
  if (auto* r = std::get_if<sasl::Reply>(&parsed)) return {as_reply(*r)};
  Outcome o{Reply{334, Status::none, ""}};
  o.auth = std::get<sasl::AuthCommand>(std::move(parsed));
  return o;
}

Session::Outcome Session::on_rset(std::string_view arg) {
  if (!arg.empty()) return {syntax("Syntax: RSET")};
  reset_transaction();
  return {Reply{250, Status::ok, "Ok"}};
}

Session::Outcome Session::on_noop(std::string_view) { return {Reply{250, Status::ok, "Ok"}}; }

Session::Outcome Session::on_quit(std::string_view) {
  Outcome o{Reply{221, Status::ok, "Bye"}};
  o.close = true;
  return o;
}

asio::awaitable<Session::Outcome> Session::on_vrfy(std::string_view arg) {
  if (p().disable_vrfy_command) co_return Outcome{Reply{502, Status::bad_sequence, "VRFY command is disabled"}};
  std::string_view a = arg;
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
  auto addr = smtp::parse_mailbox_path(a);
  if (a.empty() || !addr) co_return Outcome{syntax("Syntax: VRFY address")};
  if (auto rejected = co_await check_recipient(*addr, true)) co_return Outcome{*rejected};
  co_return Outcome{Reply{252, Status::ok, "<" + *addr + ">"}};
}

Session::Outcome Session::on_unknown(std::string_view) {
  return {Reply{502, Status::bad_command, "Error: command not recognized"}};
}

asio::awaitable<Session::Outcome> Session::dispatch(std::string_view line) {
  static const CommandSpec kTable[] = {
      {Verb::helo, nullptr, &Session::on_helo_cmd}, {Verb::ehlo, nullptr, &Session::on_ehlo_cmd},
      {Verb::mail, nullptr, &Session::on_mail}, {Verb::rcpt, nullptr, &Session::on_rcpt},
      {Verb::data, nullptr, &Session::on_data}, {Verb::rset, &Session::on_rset},
      {Verb::noop, &Session::on_noop}, {Verb::quit, &Session::on_quit},
      {Verb::vrfy, nullptr, &Session::on_vrfy}, {Verb::bdat, &Session::on_bdat},
      {Verb::starttls, &Session::on_starttls}, {Verb::auth, &Session::on_auth},
      {Verb::xforward, &Session::on_xforward},
  };
  if (line.empty()) {
    Outcome o{Reply{500, Status::bad_command, "Error: bad syntax"}};
    ++errors_;
    co_return o;
  }
  auto cmd = smtp::parse_command(line);
  // reject_unauth_pipelining: more input already waiting after a command the client had to
  // wait for (any command without PIPELINING; DATA, HELO/EHLO, QUIT, STARTTLS, AUTH with it).
  if (more_input_) {
    Verb v = cmd.verb;
    bool ends_group = v == Verb::data || v == Verb::ehlo || v == Verb::helo || v == Verb::quit ||
                      v == Verb::starttls || v == Verb::auth;
    if (client_.protocol != "ESMTP" || ends_group) pipelined_ahead_ = true;
  }
  std::string verb(smtp::verb_name(cmd.verb));
  Outcome o{Reply{502, Status::bad_command, "Error: command not recognized"}};
  bool handled = false;
  if (access_denied_ && cmd.verb != Verb::quit) {
    // smtpd_delay_reject = no and the client was refused at connect (Postfix's words).
    handled = true;
    o = Outcome{Reply{503, Status::security, "Error: access denied for " + client_.log_name()}};
  } else if (tls_required_now(cmd.verb)) {
    handled = true;
    o = Outcome{Reply{530, Status::security, "Must issue a STARTTLS command first"}};
  }
  for (const auto& spec : kTable) {
    if (handled || spec.verb != cmd.verb) continue;
    handled = true;
    if (spec.handle) o = (this->*spec.handle)(cmd.arg);
    else o = co_await (this->*spec.await)(cmd.arg);  // (GCC 12: no co_await inside ?:)
  }
  if (!handled) {
    verb = "unknown";
    o = on_unknown(cmd.arg);
  }
  last_command_ = handled ? std::string(cmd.name) : "UNKNOWN";
  for (char& c : last_command_) c = char(std::toupper(static_cast<unsigned char>(c)));
  // DATA's and BDAT's counts are decided at the end of the content.
  // STARTTLS counts once its handshake is over (run()).
  if (!o.start_data && !o.bdat && !o.auth && !(cmd.verb == Verb::starttls && o.reply.positive()))
    counts_.add(verb, o.reply.positive());
  // NOOP, VRFY, RSET and ETRN beyond smtpd_junk_command_limit count as errors.
  if (cmd.verb == Verb::noop || cmd.verb == Verb::vrfy || cmd.verb == Verb::rset || cmd.verb == Verb::etrn)
    if (++junk_ > p().smtpd_junk_command_limit) ++errors_;
  if (!o.reply.positive() && !o.bdat) {
    ++errors_;
    // Syntax, sequence and unknown-command errors are protocol errors (notify_classes).
    int c = o.reply.code;
    if (c == 500 || c == 501 || c == 502 || c == 503 || c == 504 || c == 555) protocol_error_ = true;
    if (p().smtpd_hard_error_limit > 0 && errors_ >= p().smtpd_hard_error_limit && !o.close) {
      log_.warning("{}: hard error limit {} reached", client_.log_name(), p().smtpd_hard_error_limit);
      o.then = Reply{421, Status::security, p().myhostname + " Error: too many errors"};
      o.close = true;
    }
  }
  co_return o;
}

}  // namespace tern::server
