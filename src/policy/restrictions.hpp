// The SMTP access restriction lists (smtpd_client_, _helo_, _sender_, _relay_ and
// _recipient_restrictions): compiled once from their words (and the tables the
// check_*_access words name), evaluated per command against the session's Facts.
// Any word not known yet is a configuration error that names it; the anti-spam issue
// brings the rest of Postfix's vocabulary (RBLs, unknown_*, policy services, …).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "maps/lookup.hpp"
#include "smtp/reply.hpp"
#include "spf/check.hpp"

namespace tern::policy {

enum class Word {
  permit, reject, defer, permit_mynetworks, permit_sasl_authenticated,
  reject_unauth_destination, defer_unauth_destination, permit_auth_destination,
  reject_unauth_pipelining, reject_non_fqdn_helo_hostname, reject_invalid_helo_hostname,
  reject_non_fqdn_sender, reject_non_fqdn_recipient,
  check_client_access, check_helo_access, check_sender_access, check_recipient_access,
  reject_sender_login_mismatch, reject_authenticated_sender_login_mismatch,
  reject_unauthenticated_sender_login_mismatch,
  reject_spf_fail, reject_spf_softfail, reject_spf_permerror, defer_spf_temperror,
};

enum class Stage { client, helo, sender, recipient };

struct RestrictionList {
  std::string param;  // for log lines: "smtpd_relay_restrictions"
  std::vector<Word> words;
  std::vector<std::shared_ptr<const maps::MapList>> tables;  // per word; set for check_*_access
};

// `ctx` opens the tables named by check_*_access words.
// Whether the list has an SPF word (the session then checks SPF before evaluating it).
bool uses_spf(const RestrictionList& list);

Result<RestrictionList> compile(std::string_view param, const std::vector<std::string>& words,
                                const maps::OpenContext& ctx = {});

// What the evaluator needs to know about the session and the current command.
struct Facts {
  Stage stage = Stage::recipient;
  bool client_in_mynetworks = false;
  bool sasl_authenticated = false;
  std::string client;            // "unknown[127.0.0.1]"
  std::string helo;              // as sent
  std::string sender;            // MAIL FROM address
  std::string recipient;         // at RCPT
  bool recipient_authorized = false;  // domain is ours or relayed for
  bool improper_pipelining = false;   // commands sent ahead where not allowed
  std::string client_name = "unknown", client_addr;
  std::string recipient_delimiter;
  std::string sasl_username;                              // "" when not authenticated
  const maps::MapList* sender_login_maps = nullptr;       // smtpd_sender_login_maps
  int reject_code = 554;         // smtpd reject_code
  int defer_code = 450;
  int relay_reject_code = 554;   // relay_domains_reject_code
  int access_reject_code = 554, access_defer_code = 450;
  int non_fqdn_code = 504, invalid_hostname_code = 501;
  // The SPF check of the MAIL FROM identity (HELO for the null sender); null when not done.
  const spf::Outcome* spf = nullptr;
};

enum class Verdict { dunno, permit, reject };
// Side effects an access table can ask for while letting the mail in.
enum class MessageAction { none, hold, discard };

struct Decision {
  Verdict verdict = Verdict::dunno;
  smtp::Reply reply;
  MessageAction action = MessageAction::none;
  std::string action_text;  // why (for the log)
};

Decision evaluate(const RestrictionList& list, const Facts& facts);

// Postfix's helo/hostname syntax rules (exposed for tests).
bool valid_hostname(std::string_view name);
bool fqdn_hostname(std::string_view name);

}  // namespace tern::policy
