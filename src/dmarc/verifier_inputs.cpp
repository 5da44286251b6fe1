#include "dmarc/verifier_inputs.hpp"

#include "base/strings.hpp"
#include "smtp/address.hpp"

namespace tern::dmarc {

namespace {

SpfResult spf_result(spf::Verdict v) {
  switch (v) {
    case spf::Verdict::none: return SpfResult::none;
    case spf::Verdict::neutral: return SpfResult::neutral;
    case spf::Verdict::pass: return SpfResult::pass;
    case spf::Verdict::fail: return SpfResult::fail;
    case spf::Verdict::softfail: return SpfResult::softfail;
    case spf::Verdict::temperror: return SpfResult::temperror;
    case spf::Verdict::permerror: return SpfResult::permerror;
  }
  return SpfResult::none;
}

DkimResult dkim_result(dkim::Outcome o) {
  switch (o) {
    case dkim::Outcome::pass: return DkimResult::pass;
    case dkim::Outcome::fail: return DkimResult::fail;
    case dkim::Outcome::neutral: return DkimResult::neutral;
    case dkim::Outcome::temperror: return DkimResult::temperror;
    case dkim::Outcome::permerror: return DkimResult::permerror;
  }
  return DkimResult::none;
}

}  // namespace

SpfInput spf_input(spf::Verdict verdict, std::string_view mail_from, std::string_view helo, std::string reason) {
  SpfInput in;
  in.result = spf_result(verdict);
  in.reason = std::move(reason);
  if (mail_from.empty()) {
    in.helo = true;
    in.domain = lower(helo);
  } else {
    in.mailfrom = std::string(mail_from);
    in.domain = lower(smtp::split_address(mail_from).domain);
  }
  return in;
}

std::vector<DkimInput> dkim_inputs(const std::vector<dkim::SignatureResult>& signatures) {
  std::vector<DkimInput> out;
  for (const auto& s : signatures) {
    DkimInput d;
    d.result = dkim_result(s.result);
    d.domain = lower(s.domain);
    d.identity = s.identity.empty() && !s.domain.empty() ? "@" + d.domain : s.identity;
    d.selector = s.selector;
    if (s.result != dkim::Outcome::pass) d.reason = s.reason;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace tern::dmarc
