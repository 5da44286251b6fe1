// Delivery status notifications (RFC 3464): the multipart/report message that tells a
// sender what became of their mail — failed (a bounce), delayed, or delivered — with a
// human-readable part, the machine-readable message/delivery-status part, and the
// original message or its headers (RET=HDRS). Pure: builds a Message, queues nothing.
#pragma once
#include <string>
#include <vector>

#include "message/envelope.hpp"

namespace tern::queue {

enum class DsnKind { failure, delay, success };

struct DsnRecipient {
  std::string final_recipient;     // the address we tried
  std::string original_recipient;  // ORCPT (already "type;address") or ""
  std::string status;              // "5.1.1"
  std::string diagnostic;          // "X-Postfix; unknown user" or "smtp; 550 …"
  std::string remote_mta;          // "dns; mx.example.net", "" when local
  std::string reason;              // short text for the human-readable part
};

struct DsnOptions {
  std::string myhostname;
  std::string mail_name = "Tern";
  std::string queue_id;            // the new message's queue ID
  std::string to;                  // envelope recipient of the notice
  bool headers_only = false;       // RET=HDRS, or a postmaster copy
  double now = 0;
};

// Builds the notice about `original` for `rcpts`. The result has the null sender.
Message make_dsn(DsnKind kind, const Message& original, const std::vector<DsnRecipient>& rcpts,
                 const DsnOptions& opt);

// The header section of a message, without the blank line that ends it.
std::string header_section(const std::string& content);

}  // namespace tern::queue
