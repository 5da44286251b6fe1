// The Author Domain (RFC 9989 §3.2.2): the domain of the RFC 5322 From header field's
// address. A message may have none, several From fields, or a From with several
// mailboxes; we collect every distinct domain and the evaluator checks each, applying the
// strictest outcome (RFC 9989 lets receivers do so, or reject). A message without a
// usable From domain is a DMARC permerror: its policy cannot be found.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace tern::dmarc {

struct AuthorDomains {
  std::vector<std::string> domains;  // distinct, lower case, in order of appearance
  size_t from_fields = 0;
  std::string problem;               // non-empty when a From field has no usable domain
};

// From the message's header section (LF line endings; the body is not read).
AuthorDomains author_domains(std::string_view content);

// The domain of one address ("user@Example.COM" -> "example.com"); empty when the address
// has no domain or the domain is not a host name (a literal like [192.0.2.1]).
std::string address_domain(std::string_view address);

}  // namespace tern::dmarc
