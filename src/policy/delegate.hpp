// A policy that answers an SMTP access request with an access(5) action, the way Postfix's
// policy delegation protocol works: an external check_policy_service server, or one built
// into Tern (check_greylist, check_reputation, reject_unverified_recipient, spam traps).
// The restriction evaluator builds one PolicyRequest from the session's facts, asks the
// delegate, and turns the answer into a decision exactly as it turns a table's answer
// ("DUNNO", "OK", "REJECT text", "450 4.7.1 text", "DEFER_IF_PERMIT text", "PREPEND hdr: v").
//
// Delegates run on the smtpd role's event loop (one thread); ask() may suspend.
#pragma once
#include <asio/awaitable.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace tern::policy {

// The request attributes with Postfix's names, in the order Postfix sends them:
// request (smtpd_access_policy), protocol_state (CONNECT, EHLO, HELO, MAIL, RCPT, DATA,
// END-OF-MESSAGE, VRFY, ETRN), protocol_name, helo_name, queue_id, sender, recipient,
// recipient_count, client_address, client_name, reverse_client_name, instance,
// sasl_method, sasl_username, sasl_sender, size, ccert_subject, ccert_issuer,
// ccert_fingerprint, ccert_pubkey_fingerprint, encryption_protocol, encryption_cipher,
// encryption_keysize, etrn_domain, stress, server_address, server_port, client_port,
// policy_context, compatibility_level, mail_version.
struct PolicyRequest {
  std::vector<std::pair<std::string, std::string>> attributes;

  std::string_view get(std::string_view name) const {
    for (const auto& [k, v] : attributes)
      if (k == name) return v;
    return {};
  }
  void set(std::string name, std::string value) {
    for (auto& [k, v] : attributes)
      if (k == name) {
        v = std::move(value);
        return;
      }
    attributes.emplace_back(std::move(name), std::move(value));
  }
};

class Delegate {
 public:
  virtual ~Delegate() = default;
  // The action in access(5) syntax ("DUNNO" when the policy has no opinion), or an error
  // when the policy could not decide; the evaluator answers an error with 451 4.3.0
  // (Server configuration problem) and logs it. The policy service client never returns
  // an error: when the server cannot answer it returns its default action itself (the
  // spec's default_action, else smtpd_policy_service_default_action), as Postfix does.
  virtual asio::awaitable<Result<std::string>> ask(const PolicyRequest& request) = 0;
};

}  // namespace tern::policy
