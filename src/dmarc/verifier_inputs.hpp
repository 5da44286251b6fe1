// DMARC's inputs from Tern's own verifiers: the SPF verdict (spf/) for the MAIL FROM
// identity (HELO for the null sender), and each DKIM signature's result (dkim/verify).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "dkim/verify.hpp"
#include "dmarc/inputs.hpp"
#include "spf/verdict.hpp"

namespace tern::dmarc {

// `mail_from` is the envelope sender ("" for <>); SPF then checked `helo`.
SpfInput spf_input(spf::Verdict verdict, std::string_view mail_from, std::string_view helo, std::string reason = "");

// A signature without i= gets RFC 6376's default "@d=".
std::vector<DkimInput> dkim_inputs(const std::vector<dkim::SignatureResult>& signatures);

}  // namespace tern::dmarc
