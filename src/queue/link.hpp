// Records between smtpd and the queue role over the queue's Unix socket. smtpd sends a
// Submit (envelope + content) per message; the queue answers with a SubmitReply carrying
// the same sequence number once the message is durable, or why it is not. Several
// submits may be in flight on one connection; replies may come in any order.
// reject_unverified_recipient / _sender ask the address verification service in the
// queue role with a VerifyQuery; the VerifyReply carries the status and its text.
#pragma once
#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "base/wire.hpp"
#include "message/envelope.hpp"

namespace tern::queue {

enum class LinkType : uint16_t { submit = 1, submit_reply = 2, verify_query = 3, verify_reply = 4 };
constexpr uint16_t kLinkVersion = 4;  // 3: Envelope::filter and Recipient::original (access FILTER/REDIRECT);
                                      // 4: ClientInfo::local_source, no_address_mappings, no_milters

struct SubmitRequest {
  uint64_t seq = 0;
  Message message;
};

struct SubmitReply {
  uint64_t seq = 0;
  bool ok = false;
  std::string queue_id;
  std::string error;  // for the log; the client gets a generic 451
  std::string refusal;  // cleanup refused the message (header/body checks REJECT): the
                        // reply to give ("550 5.7.1 text"); nothing was queued
};

// Status values are policy::VerifyStatus (ok, deferred, undeliverable, pending).
struct VerifyQuery {
  uint64_t seq = 0;
  std::string address;  // 1 to 511 bytes (the cache's key limit)
};

struct VerifyReply {
  uint64_t seq = 0;
  uint8_t status = 0;
  std::string text;
};

std::string encode(const VerifyQuery& q);
std::string encode(const VerifyReply& r);
Result<VerifyQuery> decode_verify_query(const wire::Frame& f);
Result<VerifyReply> decode_verify_reply(const wire::Frame& f);

std::string encode(const SubmitRequest& r);
std::string encode(const SubmitReply& r);
Result<SubmitRequest> decode_submit(const wire::Frame& f);
Result<SubmitReply> decode_submit_reply(const wire::Frame& f);

}  // namespace tern::queue
