// The Authentication-Results header field (RFC 8601) we add to received mail: one field,
// authserv-id $myhostname (authres_authserv_id), with the spf, dkim (one per signature)
// and dmarc results and their properties: smtp.mailfrom or smtp.helo; header.d, header.i,
// header.s; header.from and policy.dmarc (the policy applied on fail). A message with no
// results gets "authserv-id; none". Values that are not RFC 8601 pvalues are quoted;
// comments are made printable and escaped. Folded with LF + TAB between results.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "dmarc/verdict.hpp"
#include "dmarc/inputs.hpp"

namespace tern::dmarc {

struct AuthResults {
  std::string authserv_id;
  std::optional<SpfInput> spf;
  std::vector<DkimInput> dkim;
  std::optional<Evaluation> dmarc;  // an exempt evaluation adds nothing
};

// "Authentication-Results: mx.example.org;\n\tspf=pass smtp.mailfrom=...;\n\tdkim=..." (no
// final newline).
std::string build_auth_results(const AuthResults& r);

// An RFC 8601 pvalue: as is when it is a token or [local-part] "@" domain, else quoted.
std::string auth_pvalue(std::string_view v);

}  // namespace tern::dmarc
