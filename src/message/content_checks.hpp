// cleanup's built-in content inspection, header_checks(5): header_checks,
// mime_header_checks, nested_header_checks and body_checks. Each logical header goes to the
// table for its class (see mime_walk.hpp), each body line (the first body_checks_size_limit
// bytes of each body segment) to body_checks; the first table answer for a line is its
// action. Actions that edit the content (PREPEND, REPLACE, IGNORE, STRIP) are applied in
// one pass at the end; the others become a ChecksOutcome the queue acts on (refuse,
// discard, hold, redirect, filter, add BCC recipients). Nothing here logs: the log lines,
// in Postfix's words, are part of the outcome.
//
// Exposes parse_check_action() (a table's answer; for tests and the fuzz target),
// ContentChecks (the tables, opened once per configuration) and run_content_checks().
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "maps/lookup.hpp"
#include "message/envelope.hpp"
#include "message/mime_walk.hpp"

namespace tern {

enum class CheckVerb {
  reject, discard, hold, redirect, filter, bcc, prepend, replace, ignore, strip, warn, info,
  pass, dunno,
};

struct CheckAction {
  CheckVerb verb = CheckVerb::dunno;
  std::string text;  // the optional text; for REJECT the full reply ("550 5.7.1 text")
};

// A table's answer ("REJECT text", "prepend X-Tag: 1", ...); action names are case
// insensitive. `header`: the line is a header (PREPEND and REPLACE then need "name:
// value"). An error is an answer Postfix warns about and skips: an unknown command, a
// REDIRECT or BCC without user@domain, FILTER without transport:destination, PREPEND or
// REPLACE without text.
Result<CheckAction> parse_check_action(std::string_view value, bool header);

// The tables, opened once per configuration.
struct ContentChecks {
  maps::MapList header, mime, nested, body;
  size_t body_limit = 51200;  // body_checks_size_limit, per body segment
  mime::Limits limits;

  static Result<ContentChecks> make(const config::Params& p, const maps::OpenContext& ctx);
  bool empty() const { return header.empty() && mime.empty() && nested.empty() && body.empty(); }
};

struct ChecksOutcome {
  std::string reject;   // the reply when REJECT fired ("550 5.7.1 text"): nothing is queued
  bool discard = false; // DISCARD: claim delivery, queue nothing
  bool hold = false;
  std::string redirect; // REDIRECT user@domain (the last one): replaces every recipient
  std::string filter;   // FILTER transport:destination (the last one; "" after a REDIRECT)
  std::vector<std::string> bcc;       // BCC user@domain, in order
  std::vector<std::string> log;       // "QID: reject: header Subject: x from c[a]; ..."
  std::vector<std::string> warnings;  // table answers that were skipped, and why
};

// Runs the checks over m.content, applying the content edits. An error: a table could not
// answer (the message is not accepted now; the client retries).
Result<ChecksOutcome> run_content_checks(Message& m, const ContentChecks& checks);

}  // namespace tern
