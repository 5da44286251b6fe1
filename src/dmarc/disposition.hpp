// What the server does with a message after DMARC: dmarc_mode says whether to act at all
// (off: do not evaluate; report: evaluate, record and add Authentication-Results, never
// act; enforce: act), and on an enforced fail the applied policy decides: reject -> 550
// 5.7.1 at the end of DATA; quarantine -> the hold queue or a header for the mailbox to
// file as junk (dmarc_quarantine_action, dmarc_quarantine_header); none -> deliver.
// temperror, permerror and none never act: the policy is unknown.
#pragma once
#include <memory>
#include <string>

#include "base/result.hpp"
#include "config/params.hpp"
#include "dmarc/discovery.hpp"
#include "dmarc/evaluate.hpp"

namespace tern::dmarc {

enum class Mode { off, report, enforce };
enum class QuarantineAction { hold, header };

struct Settings {
  Mode mode = Mode::report;
  QuarantineAction quarantine = QuarantineAction::header;
  std::string quarantine_header = "X-Spam-Flag: YES";  // "Name: value"
  Method method = Method::rfc9989;
  std::string public_suffix_list;  // path, for Method::psl
  std::shared_ptr<const PublicSuffixList> psl;  // loaded when method is psl

  DiscoveryConfig discovery() const { return {method, psl.get()}; }
};

// From the typed parameters; a bad value is an Error naming the parameter. With
// dmarc_discovery_method = psl the list is read here, so a missing or malformed file is
// a startup error rather than a surprise at the first message.
Result<Settings> settings_from(const config::Params& p);

enum class Action { accept, reject, hold, add_header };

struct Disposition {
  Action action = Action::accept;
  std::string reply;   // reject: "550 5.7.1 ..."
  std::string header;  // add_header: the header line to add, "Name: value"
};

Disposition decide(const Evaluation& e, const Settings& s);

}  // namespace tern::dmarc
