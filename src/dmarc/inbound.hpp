// The three checks an inbound message gets, in one place for ternd's end of DATA and
// `tern check dmarc`: the DKIM signatures verified (when enabled), DMARC evaluated from
// them and the SPF result (unless dmarc_mode = off), what to do about it, and the
// Authentication-Results field that reports all three. SPF itself is the caller's: the
// server has it from the transaction, the command line checks it first.
#pragma once
#include <asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "dkim/verify.hpp"
#include "dmarc/auth_results.hpp"
#include "dmarc/disposition.hpp"
#include "dns/resolver.hpp"

namespace tern::dmarc {

struct InboundOptions {
  std::string authserv_id;  // authres_authserv_id
  bool dkim_verify = false;  // dkim_verify_enable
  dkim::VerifyOptions dkim;  // dkim_verify_signature_limit, dkim_min_key_bits, ...
  Settings dmarc;            // dmarc_mode off: no evaluation
  std::string report_database;  // dmarc_report_database; "" with dmarc_report_enable = no
};

// From the parameters; a bad dmarc_* value is an Error naming it.
Result<InboundOptions> inbound_options(const config::Params& p);

struct InboundResult {
  std::vector<dkim::SignatureResult> signatures;
  Input input;              // what DMARC was given (for result_rows(); content is the caller's)
  AuthResults results;      // build_auth_results() gives the field
  Disposition disposition;  // accept unless DMARC is enforced and failed
};

// `content` (LF line endings) must stay valid until the coroutine completes.
asio::awaitable<InboundResult> authenticate(dns::Resolver& resolver, const InboundOptions& opt,
                                            std::string_view content, SpfInput spf);

}  // namespace tern::dmarc
