// The policy delegation request (Postfix's SMTPD_POLICY_README attributes, in its order)
// built from the evaluator's Facts; see delegate.hpp.
#include <string>

#include "config/params.hpp"
#include "policy/restrictions.hpp"

namespace tern::policy {

PolicyRequest policy_request(const Facts& f) {
  PolicyRequest r;
  auto& a = r.attributes;
  a.reserve(34);
  auto add = [&](const char* k, std::string_view v) { a.emplace_back(k, std::string(v)); };
  add("request", "smtpd_access_policy");
  add("protocol_state", f.command);
  add("protocol_name", f.protocol);
  add("helo_name", f.helo);
  add("queue_id", f.queue_id);
  add("sender", f.sender);
  add("recipient", f.stage == Stage::recipient ? f.recipient : "");
  add("recipient_count", std::to_string(f.recipient_count));
  add("client_address", f.client_addr);
  add("client_name", f.client_name);
  add("reverse_client_name", f.reverse_client_name.empty() ? f.client_name : f.reverse_client_name);
  add("instance", f.instance);
  add("sasl_method", f.sasl_method);
  add("sasl_username", f.sasl_username);
  add("sasl_sender", "");
  add("size", std::to_string(f.size));
  add("ccert_subject", f.ccert_subject);
  add("ccert_issuer", f.ccert_issuer);
  add("ccert_fingerprint", f.ccert_fingerprint);
  add("ccert_pubkey_fingerprint", f.ccert_pubkey_fingerprint);
  add("encryption_protocol", f.encryption_protocol);
  add("encryption_cipher", f.encryption_cipher);
  add("encryption_keysize", f.encryption_keysize);
  add("etrn_domain", "");
  add("stress", "");
  add("server_address", f.server_address);
  add("server_port", f.server_port);
  add("client_port", f.client_port);
  add("policy_context", f.policy_context);
  add("compatibility_level", f.params ? f.params->compatibility_level : "");
  add("mail_version", f.params ? f.params->mail_version : "");
  return r;
}

}  // namespace tern::policy
