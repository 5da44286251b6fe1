#include "dmarc/disposition.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::dmarc {

Result<Settings> settings_from(const config::Params& p) {
  Settings s;
  std::string mode = lower(trim(p.dmarc_mode));
  if (mode == "off") s.mode = Mode::off;
  else if (mode == "report") s.mode = Mode::report;
  else if (mode == "enforce") s.mode = Mode::enforce;
  else return Error{fmt::format("dmarc_mode: invalid value \"{}\" (off, report or enforce)", p.dmarc_mode)};

  std::string q = lower(trim(p.dmarc_quarantine_action));
  if (q == "hold") s.quarantine = QuarantineAction::hold;
  else if (q == "header") s.quarantine = QuarantineAction::header;
  else return Error{fmt::format("dmarc_quarantine_action: invalid value \"{}\" (hold or header)", p.dmarc_quarantine_action)};

  std::string_view h = trim(p.dmarc_quarantine_header);
  size_t colon = h.find(':');
  bool good_name = colon != std::string_view::npos && colon > 0;
  for (size_t i = 0; good_name && i < colon; ++i)
    good_name = h[i] > ' ' && h[i] < 127;
  if (!good_name && s.quarantine == QuarantineAction::header)
    return Error{fmt::format("dmarc_quarantine_header: \"{}\" is not a \"Name: value\" header", p.dmarc_quarantine_header)};
  s.quarantine_header = std::string(h);

  std::string m = lower(trim(p.dmarc_discovery_method));
  if (m == "rfc9989") s.method = Method::rfc9989;
  else if (m == "psl") s.method = Method::psl;
  else return Error{fmt::format("dmarc_discovery_method: invalid value \"{}\" (rfc9989 or psl)", p.dmarc_discovery_method)};
  s.public_suffix_list = p.dmarc_public_suffix_list;
  if (s.method == Method::psl) {
    auto psl = PublicSuffixList::load(s.public_suffix_list);
    if (!psl) return Error{"dmarc_public_suffix_list: " + psl.error().message};
    s.psl = std::make_shared<const PublicSuffixList>(std::move(*psl));
  }
  return s;
}

Disposition decide(const Evaluation& e, const Settings& s) {
  Disposition d;
  if (s.mode != Mode::enforce || e.exempt || e.result != Outcome::fail) return d;
  const Verdict* v = e.decisive();
  switch (v->applied) {
    case Policy::reject:
      d.action = Action::reject;
      d.reply = fmt::format("550 5.7.1 Message rejected per DMARC policy for {}", v->from_domain);
      break;
    case Policy::quarantine:
      d.action = s.quarantine == QuarantineAction::hold ? Action::hold : Action::add_header;
      if (d.action == Action::add_header) d.header = s.quarantine_header;
      break;
    case Policy::none:
      break;
  }
  return d;
}

}  // namespace tern::dmarc
