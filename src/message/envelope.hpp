// The values that travel down the pipeline: who connected (ClientInfo), who sends to whom
// (Envelope with its Recipients) and the message itself (Message = envelope + content).
// Content is stored with LF line endings, headers first, our Received: line on top.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tern {

struct ClientInfo {
  std::string name = "unknown";  // verified client hostname, "unknown" without lookups
  std::string addr;              // "127.0.0.1", "::1"
  int port = 0;
  std::string helo;              // as the client sent it
  std::string protocol = "SMTP"; // SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA, LOCAL
  std::string sasl_method;
  std::string sasl_username;
  // The message came from this host itself (Postfix's "local" rewrite context, XFORWARD
  // SOURCE=LOCAL): a local submission, here or on the up-stream host of a content filter.
  bool local_source = false;

  // "name[addr]" as Postfix logs a client.
  std::string log_name() const { return name + "[" + addr + "]"; }
  bool is_local() const { return local_source || protocol == "LOCAL"; }
};

// Recipient outcome as recorded in the queue file.
enum class RcptState : uint8_t { pending = 0, done = 1, deferred = 2, bounced = 3 };

// DSN NOTIFY bits (RFC 3461); 0 = not given.
enum NotifyBits : uint8_t { notify_never = 1, notify_success = 2, notify_failure = 4, notify_delay = 8 };

struct Recipient {
  std::string address;        // the envelope recipient, after cleanup's rewriting
  std::string orcpt;          // ORCPT=, "" when not given
  uint8_t notify = 0;
  RcptState state = RcptState::pending;
  std::string reason;         // last deferral/bounce reason
  std::string dsn;            // last enhanced status, "4.3.0"
  std::string original;       // the address before cleanup rewrote it (aliases, canonical), "" if unchanged

  // The recipient as the client gave it (Postfix's orig_to, X-Original-To:).
  const std::string& original_or_address() const { return original.empty() ? address : original; }
};

struct Envelope {
  std::string queue_id;
  std::string sender;         // "" is the null sender <>
  std::vector<Recipient> recipients;
  double arrival = 0;         // seconds since the epoch
  ClientInfo client;
  std::string envid;          // DSN ENVID=
  std::string ret;            // DSN RET= (FULL, HDRS or "")
  std::string body_type;      // 7BIT, 8BITMIME or ""
  bool smtputf8 = false;
  std::string verp;           // XVERP delimiters ("+="), "" when not asked for
  bool delay_warned = false;  // a delay notice was sent already
  bool forced_expire = false; // postsuper -f: return to sender at the next attempt
  bool hold = false;          // an access table said HOLD: queue it on hold, not active
  bool requiretls = false;    // RFC 8689 REQUIRETLS: leaves only over verified TLS
  std::string filter;         // "transport:nexthop" every recipient goes to instead of its route
                              // (content_filter of the receiving service, or a FILTER action
                              // of header/body checks), "" when none
  // receive_override_options of the service that received it (cleanup's, not queued):
  bool no_header_body_checks = false;  // no header/body checks
  bool no_address_mappings = false;    // no canonical maps, virtual aliases, masquerading
  bool no_milters = false;             // none of the built-in milter work (DKIM signing)
  // An address verification probe (reject_unverified_*): routed with the
  // address_verify_* overrides, delivered only as far as it takes to learn whether each
  // recipient would be accepted, its results go to the verify cache, and it is removed
  // after one attempt, never bounced or deferred. Only the queue role makes these.
  bool verify_probe = false;
};

struct Message {
  Envelope envelope;
  std::string content;
};

}  // namespace tern
