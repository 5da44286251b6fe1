// receive_override_options (Postfix 2.1 and later): what one input service (an smtpd in
// master.cf, or pickup with main.cf's value) turns off for the mail it receives. Typical
// use is either side of an after-queue content filter: no_address_mappings before it,
// no_unknown_recipient_checks, no_header_body_checks and no_milters on the re-injection
// service after it. An unknown option is a configuration error, as in Postfix.
#pragma once
#include <string>
#include <vector>

#include "base/result.hpp"
#include "message/envelope.hpp"

namespace tern {

struct ReceiveOverrides {
  bool no_unknown_recipient_checks = false;  // smtpd: no unlisted-recipient rejects
  bool no_address_mappings = false;          // cleanup: no canonical, virtual alias, masquerading
  bool no_header_body_checks = false;        // cleanup: no header_checks, body_checks, ...
  // No smtpd_milters. Tern's built-in DKIM signing, DKIM verification, DMARC and
  // Authentication-Results do the work Postfix leaves to milters (OpenDKIM, OpenDMARC),
  // so they are off too: a re-injected message is not verified or signed a second time.
  bool no_milters = false;

  // The parameter's words (any case); an error names the unknown one.
  static Result<ReceiveOverrides> parse(const std::vector<std::string>& words);
  // The cleanup-time options travel with the message to the queue.
  void mark(Envelope& e) const;
};

}  // namespace tern
