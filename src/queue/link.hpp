// Records between smtpd and the queue role over the queue's Unix socket. smtpd sends a
// Submit (envelope + content) per message; the queue answers with a SubmitReply carrying
// the same sequence number once the message is durable, or why it is not. Several
// submits may be in flight on one connection; replies may come in any order.
#pragma once
#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "base/wire.hpp"
#include "message/envelope.hpp"

namespace tern::queue {

enum class LinkType : uint16_t { submit = 1, submit_reply = 2 };
constexpr uint16_t kLinkVersion = 3;

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

std::string encode(const SubmitRequest& r);
std::string encode(const SubmitReply& r);
Result<SubmitRequest> decode_submit(const wire::Frame& f);
Result<SubmitReply> decode_submit_reply(const wire::Frame& f);

}  // namespace tern::queue
