// What DMARC is told about a message by the SPF and DKIM verifiers, as plain values so
// either can be plugged in: the SPF result with the domain it was checked for (MAIL FROM,
// or HELO for the null sender), and each DKIM signature's result with its d= and i=.
// The result words are RFC 8601's, so Authentication-Results can print them unchanged.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace tern::dmarc {

enum class SpfResult { none, neutral, pass, fail, softfail, temperror, permerror };
enum class DkimResult { none, pass, fail, policy, neutral, temperror, permerror };

std::string_view spf_result_name(SpfResult r);
std::string_view dkim_result_name(DkimResult r);

struct SpfInput {
  SpfResult result = SpfResult::none;
  std::string domain;     // the domain SPF checked: MAIL FROM's, or HELO's for <>
  bool helo = false;      // the HELO identity was checked (MAIL FROM was <>)
  std::string mailfrom;   // the MAIL FROM address as given ("" for <>), for smtp.mailfrom
  std::string reason;     // optional comment for Authentication-Results
};

struct DkimInput {
  DkimResult result = DkimResult::none;
  std::string domain;    // d=
  std::string identity;  // i= ("@example.org" when the signature had none)
  std::string selector;  // s=
  std::string reason;    // optional comment ("bad signature", "key revoked")
};

struct Input {
  std::string_view content;    // the message's header section (LF line endings) at least
  SpfInput spf;
  std::vector<DkimInput> dkim;
  bool exempt = false;         // mynetworks or an authenticated client: no DMARC at all
};

}  // namespace tern::dmarc
