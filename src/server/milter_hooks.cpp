// The session's side of the milters (SmtpdContext::milters): the macro values, each SMTP
// stage handed to milter::Session after the command's own checks passed, and the answer
// turned into the reply and Postfix's log lines ("NOQUEUE: milter-reject: RCPT from ...",
// "QID: milter-hold: END-OF-MESSAGE from ..."). The protocol and the modifications are
// src/milter's; this file only connects them to the session's state.
#include <asio/ip/tcp.hpp>

#include "base/strings.hpp"
#include "server/session.hpp"
#include "smtp/address.hpp"

namespace tern::server {

namespace {

constexpr const char* kDiscardText = "milter triggers DISCARD action";  // Postfix's words

// "<address>" and the ESMTP parameters as the client wrote them (MAIL, RCPT).
std::vector<std::string> envelope_args(std::string_view arg, const char* keyword) {
  auto path = smtp::parse_path(arg, keyword);
  std::vector<std::string> out{"<" + (path ? path->address : std::string()) + ">"};
  if (path)
    for (const auto& [k, v] : path->params) out.push_back(v.empty() ? k : k + "=" + v);
  return out;
}

// The reply text as Postfix logs it at the end of a message: without the SMTP code.
std::string without_code(const smtp::Reply& r) {
  std::string w = r.wire();
  while (!w.empty() && (w.back() == '\n' || w.back() == '\r')) w.pop_back();
  return w.size() > 4 ? w.substr(4) : w;
}

}  // namespace

asio::awaitable<bool> Session::milter_connect() {
  const milter::Settings& ms = *ctx_->milters;
  milters_ = std::make_unique<milter::Session>(sock_.get_executor(), ms, log_, milter_macros_);
  auto& m = milter_macros_;
  m["j"] = p().myhostname;
  m["{daemon_name}"] = ms.daemon_name;
  m["v"] = ms.v;
  asio::error_code ec;
  auto local = sock_.local_endpoint(ec);
  if (!ec) {
    m["{daemon_addr}"] = local.address().to_string();
    m["{daemon_port}"] = std::to_string(local.port());
  }
  m["{client_addr}"] = client_.addr;
  m["{client_name}"] = client_.name;
  m["{client_ptr}"] = reverse_client_name_;  // the PTR name, verified or not
  m["{client_port}"] = std::to_string(client_.port);
  m["_"] = client_.name + " [" + client_.addr + "]";
  milter::ConnectInfo ci{client_.name, client_.addr, uint16_t(client_.port), client_ip_ && client_ip_->v6};
  auto v = co_await milters_->connect(ci);
  if (!v.reply) co_return true;
  maillog::event(log_, "", "milter-reject", "CONNECT", client_, v.reply->wire(), "", "");
  if (v.disconnect) {
    out_ += v.reply->wire();
    co_return false;
  }
  milter_refusal_ = *v.reply;  // MAIL, RCPT, DATA and BDAT get it from now on
  co_return true;
}

void Session::milter_tls(const tls::HandshakeInfo& info) {
  auto& m = milter_macros_;
  m["{tls_version}"] = info.protocol;
  m["{cipher}"] = info.cipher;
  m["{cipher_bits}"] = std::to_string(info.cipher_usebits);
  if (info.peer_cert) {
    m["{cert_subject}"] = info.peer_cn;
    m["{cert_issuer}"] = info.issuer_cn;
  }
}

void Session::milter_refuse(Outcome& o, const milter::Verdict& v, std::string_view command, std::string_view rcpt) {
  // The disconnect line's counts: dispatch counted the command as accepted (DATA not yet).
  if (o.start_data) {
    counts_.add("data", false);
  } else if (!o.bdat) {
    auto& c = counts_.by_verb[lower(last_command_)];
    if (c.ok > 0) --c.ok;
  }
  o.reply = *v.reply;
  o.start_data = false;
  if (v.disconnect) o.close = true;
  ++errors_;
  policy_error_ = true;
  maillog::event(log_, queue_id_, "milter-reject", command, client_, o.reply.wire(), sender_, rcpt);
}

asio::awaitable<void> Session::milter_command(std::string_view line, Outcome& o) {
  auto cmd = smtp::parse_command(line);
  auto& m = milter_macros_;
  auto route_macros = [&](const std::string& addr, const char* host, const char* mailer) {
    auto r = ctx_->resolver.resolve(addr);
    m[host] = r ? r->nexthop : "";
    m[mailer] = r ? r->transport : "";
  };
  bool refused_connection = milter_refusal_ && o.reply.positive();
  switch (cmd.verb) {
    case smtp::Verb::helo:
    case smtp::Verb::ehlo: {
      co_await milters_->abort();
      if (!o.reply.positive()) co_return;
      auto v = co_await milters_->helo(client_.helo);
      if (v.reply) milter_refuse(o, v, "HELO", "");
      co_return;
    }
    case smtp::Verb::mail: {
      milter_discard_ = false;
      milter_data_sent_ = false;
      if (refused_connection) {
        milter_refuse(o, milter::Verdict{milter_refusal_}, "MAIL", "");
        reset_transaction();
        co_return;
      }
      if (!o.reply.positive()) co_return;
      m["i"] = queue_id_;
      m["{auth_type}"] = client_.sasl_method;
      m["{auth_authen}"] = client_.sasl_username;
      m["{mail_addr}"] = sender_;
      route_macros(sender_, "{mail_host}", "{mail_mailer}");
      auto v = co_await milters_->mail(envelope_args(cmd.arg, "FROM"));
      if (v.discard) {
        milter_discard_ = true;
        maillog::event(log_, queue_id_, "milter-discard", "MAIL", client_, kDiscardText, sender_, "");
      } else if (v.reply) {
        milter_refuse(o, v, "MAIL", "");
        reset_transaction();
        co_await milters_->abort();
      }
      co_return;
    }
    case smtp::Verb::rcpt: {
      if (refused_connection) {
        std::string addr = rcpts_.empty() ? "" : rcpts_.back().address;
        milter_refuse(o, milter::Verdict{milter_refusal_}, "RCPT", addr);
        if (!rcpts_.empty()) rcpts_.pop_back();
        if (rcpts_.empty()) enter_state(State::mail);
        co_return;
      }
      if (!o.reply.positive() || rcpts_.empty()) co_return;
      const std::string addr = rcpts_.back().address;
      m["i"] = queue_id_;
      m["{rcpt_addr}"] = addr;
      route_macros(addr, "{rcpt_host}", "{rcpt_mailer}");
      auto v = co_await milters_->rcpt(envelope_args(cmd.arg, "TO"));
      if (v.discard) {
        milter_discard_ = true;
        maillog::event(log_, queue_id_, "milter-discard", "RCPT", client_, kDiscardText, sender_, addr);
      } else if (v.reply) {
        milter_refuse(o, v, "RCPT", addr);
        rcpts_.pop_back();
        if (rcpts_.empty()) enter_state(State::mail);
      }
      co_return;
    }
    case smtp::Verb::data: {
      if (!o.start_data) co_return;
      if (refused_connection) {
        milter_refuse(o, milter::Verdict{milter_refusal_}, "DATA", "");
        reset_transaction();
        co_return;
      }
      m["i"] = queue_id_;
      auto v = co_await milters_->data();
      milter_data_sent_ = true;
      if (v.reply) {
        milter_refuse(o, v, "DATA", "");
        reset_transaction();
        co_await milters_->abort();
      }
      co_return;
    }
    case smtp::Verb::bdat:
      if (refused_connection && o.bdat) {
        o.reply = *milter_refusal_;
        bdat_used_ = false;
        o.bdat_last = false;  // the chunk is read and dropped, the transaction stays refused
      }
      co_return;
    case smtp::Verb::rset:
    case smtp::Verb::starttls:
      co_await milters_->abort();
      co_return;
    case smtp::Verb::unknown: {
      auto v = co_await milters_->unknown(std::string(line));
      if (v.reply) milter_refuse(o, v, "UNKNOWN", "");
      co_return;
    }
    default:
      co_return;
  }
}

asio::awaitable<std::optional<smtp::Reply>> Session::milter_message(Message& msg) {
  const std::string to = rcpts_.empty() ? "" : rcpts_.front().address;
  smtp::Reply queued{250, smtp::Status::ok, "Ok: queued as " + queue_id_};
  milter_macros_["i"] = queue_id_;
  if (milter_discard_) {
    co_await milters_->abort();
    log_.info("{}: discarded at end of DATA (a milter said DISCARD)", queue_id_);
    co_return queued;
  }
  if (!milter_data_sent_) {  // BDAT: the DATA step comes with the last chunk
    auto v = co_await milters_->data();
    if (v.reply) {
      maillog::event(log_, queue_id_, "milter-reject", "DATA", client_, v.reply->wire(), sender_, to);
      co_await milters_->abort();
      policy_error_ = true;
      co_return *v.reply;
    }
  }
  auto v = co_await milters_->end_of_message(msg);
  if (v.reply) {
    maillog::event(log_, queue_id_, "milter-reject", "END-OF-MESSAGE", client_, without_code(*v.reply), sender_, to);
    policy_error_ = true;
    if (v.disconnect) closing_ = true;
    co_return *v.reply;
  }
  if (v.discard || msg.envelope.recipients.empty()) {
    maillog::event(log_, queue_id_, "milter-discard", "END-OF-MESSAGE", client_,
                   v.discard ? kDiscardText : "milter deleted all recipients", sender_, to);
    co_return queued;
  }
  if (v.hold) {
    msg.envelope.hold = true;
    maillog::event(log_, queue_id_, "milter-hold", "END-OF-MESSAGE", client_, v.hold_reason, sender_, to);
  }
  co_return std::nullopt;
}

}  // namespace tern::server
