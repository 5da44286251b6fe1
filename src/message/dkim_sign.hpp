// cleanup's DKIM signing step: for mail we sign (local submission, mynetworks,
// SASL-authenticated clients: the caller decides), the From header's address picks the
// keys from dkim_signing_table, and one DKIM-Signature field per key goes on top of the
// message. It runs after the rest of cleanup, so every header it signs is final; our own
// Received: line is on top already but is not in the signed header list.
#pragma once
#include <string>
#include <vector>

#include "base/result.hpp"
#include "dkim/signing_policy.hpp"
#include "message/envelope.hpp"

namespace tern {

struct DkimSigned {
  std::vector<std::string> signatures;  // "s=SEL, d=DOMAIN" per field added, for the log
  std::string skipped;                  // why nothing was signed ("" when signed or not ours)
};

// An error: a table or key file cannot be used now; the message is not accepted (the
// client retries) rather than sent unsigned.
Result<DkimSigned> dkim_sign(Message& m, const dkim::SigningPolicy& policy);

// The address in the (first) From header field, "" when there is none.
std::string from_header_address(const std::string& content);

}  // namespace tern
