// The SMTP access restriction lists (smtpd_client_, _helo_, _sender_, _relay_ and
// _recipient_restrictions): compiled once from their words, evaluated per command.
// The words known so far are the relay-protection core; any other word is a configuration
// error that names it (the anti-spam issue brings the rest of Postfix's vocabulary).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "smtp/reply.hpp"

namespace tern::policy {

enum class Word {
  permit, reject, defer, permit_mynetworks, permit_sasl_authenticated,
  reject_unauth_destination, defer_unauth_destination, permit_auth_destination,
};

enum class Stage { client, helo, sender, recipient };

struct RestrictionList {
  std::string param;  // for log lines: "smtpd_relay_restrictions"
  std::vector<Word> words;
};

Result<RestrictionList> compile(std::string_view param, const std::vector<std::string>& words);

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
  int reject_code = 554;         // smtpd reject_code
  int defer_code = 450;
  int relay_reject_code = 554;   // relay_domains_reject_code
};

enum class Verdict { dunno, permit, reject };

struct Decision {
  Verdict verdict = Verdict::dunno;
  smtp::Reply reply;
};

Decision evaluate(const RestrictionList& list, const Facts& facts);

}  // namespace tern::policy
