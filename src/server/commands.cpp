// The command table and handlers: each handler checks the command against the state and
// the policy and returns the reply; the only effects are the state change and the
// transaction fields. Everything here runs without sockets (see tests/unit/server).
#include <cctype>

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

struct CommandSpec {
  Verb verb;
  Session::Outcome (Session::*handle)(std::string_view);
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

Session::Outcome Session::on_helo(std::string_view arg, bool extended) {
  if (!valid_helo_arg(arg))
    return {syntax(extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname")};
  reset_transaction();
  client_.helo = std::string(arg);
  client_.protocol = extended ? "ESMTP" : "SMTP";
  enter_state(State::greeted);
  if (!extended) return {Reply{250, Status::none, p().myhostname}};
  if (tls_) client_.protocol = "ESMTPS";
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

Session::Outcome Session::on_mail(std::string_view arg) {
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
  for (const auto& [k, v] : path->params) {
    if (k == "SIZE") {
      auto n = parse_int(v);
      if (!n || *n < 0) return {syntax("Bad message size syntax")};
      if (ctx_->max_message_size && size_t(*n) > ctx_->max_message_size)
        return {Reply{552, Status::too_big, "Message size exceeds fixed limit"}};
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
  enter_state(State::mail);
  return {Reply{250, Status::sender_ok, "Ok"}};
}

std::optional<smtp::Reply> Session::check_recipient(const std::string& addr, bool for_vrfy) {
  const auto& pp = p();
  // Decide on the address as it will be routed ("user%remote@local" is remote mail).
  std::string routed = ctx_->resolver.rewrite(addr);
  auto domain = smtp::split_address(routed).domain;
  policy::Facts f;
  f.client_in_mynetworks = client_in_mynetworks_;
  f.client = client_.log_name();
  f.helo = client_.helo;
  f.sender = sender_;
  f.recipient = addr;
  f.client_name = client_.name;
  f.client_addr = client_.addr;
  f.recipient_delimiter = pp.recipient_delimiter;
  f.improper_pipelining = pipelined_ahead_;
  f.sasl_authenticated = !client_.sasl_username.empty();
  f.sasl_username = client_.sasl_username;
  f.sender_login_maps = ctx_->sender_login_maps.get();
  f.access_reject_code = int(pp.access_map_reject_code);
  f.access_defer_code = int(pp.access_map_defer_code);
  f.non_fqdn_code = int(pp.non_fqdn_reject_code);
  f.invalid_hostname_code = int(pp.invalid_hostname_reject_code);
  f.spf = spf_ ? &*spf_ : nullptr;
  auto authorized = ctx_->resolver.authorized_destination(domain);
  if (!authorized)
    return Reply{451, Status::system_error, "<" + addr + ">: Recipient address rejected: Temporary lookup failure"};
  f.recipient_authorized = *authorized;
  f.reject_code = int(pp.reject_code);
  f.defer_code = int(pp.defer_code);
  f.relay_reject_code = int(pp.relay_domains_reject_code);
  // smtpd_delay_reject: client, helo and sender restrictions are applied here, at RCPT.
  struct {
    const policy::RestrictionList* list;
    policy::Stage stage;
  } order[] = {{&ctx_->client_r, policy::Stage::client},
               {&ctx_->helo_r, policy::Stage::helo},
               {&ctx_->sender_r, policy::Stage::sender},
               {&ctx_->relay_r, policy::Stage::recipient},
               {&ctx_->recipient_r, policy::Stage::recipient}};
  for (const auto& o : order) {
    if (for_vrfy && o.list == &ctx_->relay_r) continue;
    f.stage = o.stage;
    auto d = policy::evaluate(*o.list, f);
    if (!d.action_text.empty() && d.verdict == policy::Verdict::reject)
      log_.warning("{}: {}", o.list->param, d.action_text);
    // A permit ends only its own list; a reject from any list rejects.
    if (d.verdict == policy::Verdict::reject) return d.reply;
    if (d.action != policy::MessageAction::none && !for_vrfy) {
      bool hold = d.action == policy::MessageAction::hold;
      if (action_ != policy::MessageAction::discard) action_ = d.action;
      log_.info("{}: {}: RCPT from {}: {}; from=<{}> to=<{}> proto={} helo=<{}>",
                queue_id_.empty() ? "NOQUEUE" : queue_id_, hold ? "hold" : "discard",
                client_.log_name(), d.action_text, printable(sender_), printable(addr), client_.protocol,
                printable(client_.helo));
    }
  }
  if (pp.smtpd_reject_unlisted_sender && !sender_.empty() && !ctx_->overrides.no_unknown_recipient_checks)
    if (auto r = unlisted(sender_, "Sender")) return r;
  // A message being discarded takes any recipient, as Postfix's DISCARD does (spam traps).
  if (pp.smtpd_reject_unlisted_recipient && !ctx_->overrides.no_unknown_recipient_checks &&
      (for_vrfy || action_ != policy::MessageAction::discard))
    if (auto r = unlisted(addr, "Recipient")) return r;
  return std::nullopt;
}

// smtpd_reject_unlisted_recipient/_sender: an address in one of our domains that no table
// knows. `role` is "Recipient" or "Sender", as in Postfix's reply.
std::optional<smtp::Reply> Session::unlisted(const std::string& addr, const char* role) {
  const auto& pp = p();
  auto listing = ctx_->recipient_tables.check(ctx_->resolver, addr);
  if (!listing)
    return Reply{451, Status::system_error, "<" + addr + ">: " + role + " address rejected: Temporary lookup failure"};
  int code = 550;
  switch (*listing) {
    case route::Listing::known: return std::nullopt;
    case route::Listing::unknown_local: code = int(pp.unknown_local_recipient_reject_code); break;
    case route::Listing::unknown_virtual_alias: code = int(pp.unknown_virtual_alias_reject_code); break;
    case route::Listing::unknown_virtual_mailbox: code = int(pp.unknown_virtual_mailbox_reject_code); break;
    case route::Listing::unknown_relay: code = int(pp.unknown_relay_recipient_reject_code); break;
  }
  return Reply{code, Status::bad_destination,
               "<" + addr + ">: " + role + " address rejected: " + route::unknown_user_text(*listing)};
}

Session::Outcome Session::on_rcpt(std::string_view arg) {
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
  if (auto rejected = check_recipient(rcpt.address, false)) {
    policy_error_ = true;
    maillog::reject(log_, queue_id_, "RCPT", client_, rejected->wire(), sender_, rcpt.address);
    return {*rejected};
  }
  if (queue_id_.empty()) {  // Postfix opens the queue file at the first valid recipient
    queue_id_ = make_queue_id();
    arrival_ = now_seconds();
    log_client();
  }
  rcpts_.push_back(std::move(rcpt));
  enter_state(State::rcpt);
  return {Reply{250, Status::recipient_ok, "Ok"}};
}

Session::Outcome Session::on_data(std::string_view arg) {
  if (!arg.empty()) return {syntax("Syntax: DATA")};
  if (bdat_used_) return {bad_sequence("Error: DATA after BDAT")};
  if (state_ == State::mail) return {Reply{554, Status::bad_sequence, "Error: no valid recipients"}};
  if (state_ != State::rcpt) return {bad_sequence("Error: need RCPT command")};
  Outcome o{Reply{354, Status::none, "End data with <CR><LF>.<CR><LF>"}};
  o.start_data = true;
  return o;
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

Session::Outcome Session::on_vrfy(std::string_view arg) {
  if (p().disable_vrfy_command) return {Reply{502, Status::bad_sequence, "VRFY command is disabled"}};
  std::string_view a = arg;
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
  auto addr = smtp::parse_mailbox_path(a);
  if (a.empty() || !addr) return {syntax("Syntax: VRFY address")};
  if (auto rejected = check_recipient(*addr, true)) return {*rejected};
  return {Reply{252, Status::ok, "<" + *addr + ">"}};
}

Session::Outcome Session::on_unknown(std::string_view) {
  return {Reply{502, Status::bad_command, "Error: command not recognized"}};
}

Session::Outcome Session::dispatch(std::string_view line) {
  static const CommandSpec kTable[] = {
      {Verb::helo, &Session::on_helo_cmd}, {Verb::ehlo, &Session::on_ehlo_cmd},
      {Verb::mail, &Session::on_mail}, {Verb::rcpt, &Session::on_rcpt},
      {Verb::data, &Session::on_data}, {Verb::rset, &Session::on_rset},
      {Verb::noop, &Session::on_noop}, {Verb::quit, &Session::on_quit},
      {Verb::vrfy, &Session::on_vrfy}, {Verb::bdat, &Session::on_bdat},
      {Verb::starttls, &Session::on_starttls}, {Verb::auth, &Session::on_auth},
      {Verb::xforward, &Session::on_xforward},
  };
  if (line.empty()) {
    Outcome o{Reply{500, Status::bad_command, "Error: bad syntax"}};
    ++errors_;
    return o;
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
  if (tls_required_now(cmd.verb)) {
    handled = true;
    o = Outcome{Reply{530, Status::security, "Must issue a STARTTLS command first"}};
  }
  for (const auto& spec : kTable) {
    if (handled || spec.verb != cmd.verb) continue;
    handled = true;
    o = (this->*spec.handle)(cmd.arg);
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
  return o;
}

}  // namespace tern::server
