// The outcome of delivering one recipient: sent, deferred (try again) or bounced
// (permanent), with the DSN status and the text that goes into the log and the bounce.
#pragma once
#include <string>

namespace tern::delivery {

struct DeliveryResult {
  enum Kind { sent, deferred, bounced } kind = deferred;
  std::string dsn;       // "2.0.0", "4.3.0", "5.1.1"
  std::string text;      // "delivered to maildir"
  std::string relay;     // "local", "none", "mx.example.net[192.0.2.1]:25"
  std::string recipient; // the final recipient (after aliases), for to=<…>
  size_t index = 0;      // which envelope recipient this is the outcome for
  // Seconds spent on connection setup (greeting, EHLO, TLS, AUTH) and on transmission, for
  // delays=a/b/c/d; negative when the agent has no such split (then d is the whole time).
  double setup = -1, transmit = -1;
  // Sent to an SMTP server that offered DSN: NOTIFY went along with the recipient, so
  // the success notice is the next hop's to send, not ours (RFC 3461 section 4.1). A
  // content filter's hop is one: its acceptance is not the delivery.
  bool dsn_passed_on = false;
  // Sent into a Maildir queued in an open MaildirBatch (maildir_batch.hpp): the message's
  // final path. The batch's commit decides; until then this "sent" is provisional.
  std::string pending_maildir;

  static DeliveryResult ok(std::string text, std::string relay, std::string rcpt) {
    return {sent, "2.0.0", std::move(text), std::move(relay), std::move(rcpt)};
  }
  static DeliveryResult defer(std::string dsn, std::string text, std::string relay, std::string rcpt) {
    return {deferred, std::move(dsn), std::move(text), std::move(relay), std::move(rcpt)};
  }
  static DeliveryResult bounce(std::string dsn, std::string text, std::string relay, std::string rcpt) {
    return {bounced, std::move(dsn), std::move(text), std::move(relay), std::move(rcpt)};
  }
};

}  // namespace tern::delivery
