// reject_unverified_recipient and reject_unverified_sender as a Delegate: at RCPT TO (or
// MAIL FROM) the address's verification status from the address verification service
// (queue/verifier.hpp, in the queue role), polled while a probe is in progress
// (address_verify_poll_count queries, address_verify_poll_delay apart, on the event loop:
// the session waits, nothing blocks), answered as Postfix's smtpd answers:
//   deliverable            DUNNO
//   undeliverable          "450 4.1.1 undeliverable address: TEXT" (unverified_*_reject_code;
//                          unverified_*_reject_reason replaces the whole text when set)
//   in progress, deferred  "450 4.1.1 unverified address: TEXT" with tempfail action defer,
//                          "DEFER_IF_PERMIT 4.1.1 unverified address: TEXT" with
//                          defer_if_permit (unverified_*_defer_code, *_tempfail_action)
//   service unreachable    the same, with "address verification problem"
// The evaluator adds "<addr>: Recipient address rejected: " (or Sender) as for any access
// action. Senders use 4.1.7/5.1.7; the null sender is not verified (DUNNO).
#pragma once
#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "config/params.hpp"
#include "policy/delegate.hpp"
#include "policy/verify_record.hpp"

namespace tern::policy {

struct VerifyResult {
  VerifyStatus status = VerifyStatus::pending;
  std::string text;
};

// How the delegate asks the verification service (server::QueueClient::verify in ternd).
using VerifyQuery = std::function<asio::awaitable<Result<VerifyResult>>(std::string address)>;

struct UnverifiedSettings {
  bool sender_role = false;
  int reject_code = 450, defer_code = 450;
  std::string reject_reason;           // "" keeps the verification details
  bool defer_if_permit = true;         // tempfail action: defer_if_permit (else defer)
  int poll_count = 3;
  std::chrono::milliseconds poll_delay{3000};
  // From unverified_{recipient,sender}_* and address_verify_poll_*; a tempfail action
  // other than defer or defer_if_permit is an error naming the parameter.
  static Result<UnverifiedSettings> from(const config::Params& p, bool sender_role);
};

// The answer for a verification result, in access(5) syntax (exposed for tests).
std::string unverified_action(const UnverifiedSettings& s, const Result<VerifyResult>& r);

std::unique_ptr<Delegate> make_address_verifier(UnverifiedSettings s, asio::io_context& io, VerifyQuery query);
Result<std::unique_ptr<Delegate>> make_address_verifier(const config::Params& p, asio::io_context& io,
                                                        VerifyQuery query, bool sender_role);

}  // namespace tern::policy
