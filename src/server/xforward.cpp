// XFORWARD on the server side (Postfix's XFORWARD_README): a content filter re-injecting
// mail names the original client. Only clients in smtpd_authorized_xforward_hosts are
// offered it and may use it. The forwarded attributes hold for one mail transaction (they
// are reset with it: after DOT, RSET, HELO/EHLO) and change what is logged ("client=…,
// orig_queue_id=…, orig_client=…") and what the message is queued with, so a later
// delivery, DKIM signing and header rewriting see the original client. As in Postfix, the
// Received: header and the restrictions still see the real client: the filter.
#include "base/strings.hpp"
#include "server/session.hpp"
#include "smtp/xforward.hpp"

namespace tern::server {

using smtp::Reply;
using smtp::Status;

bool Session::xforward_allowed() const {
  return client_ip_ && SmtpdContext::in(ctx_->xforward_hosts, *client_ip_);
}

Session::Outcome Session::on_xforward(std::string_view arg) {
  if (!xforward_allowed()) return {Reply{550, Status::security, "Error: insufficient authorization"}};
  if (state_ == State::mail || state_ == State::rcpt)
    return {Reply{503, Status::bad_sequence, "Error: MAIL transaction in progress"}};
  auto items = smtp::parse_xforward(arg);
  if (!items) return {Reply{501, Status::bad_syntax, items.error().message}};
  xforward_.apply(*items);
  return {Reply{250, Status::ok, "Ok"}};
}

ClientInfo Session::message_client() const {
  if (!xforward_.active) return client_;
  return xforward_.client();
}

void Session::log_client() const {
  if (!xforward_.active) {
    maillog::client(log_, queue_id_, client_);
    return;
  }
  ClientInfo orig = xforward_.client();
  maillog::client(log_, queue_id_, client_, xforward_.addr ? &orig : nullptr, xforward_.ident.value_or(""));
}

}  // namespace tern::server
