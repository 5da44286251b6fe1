// What `tern check tls DOMAIN` reports: the domain's MX hosts (or the domain itself when it
// has no MX), each host's addresses, its TLSA records with their DNSSEC status and whether
// each is usable, and the TLS level and verification RFC 7672 gives that host under the
// configured level (dane.hpp's decision, the one the smtp agent makes). Pure of I/O but for
// the Resolver, so the unit tests run it over the in-memory resolver.
#pragma once
#include <string>

#include "delivery/smtp/dane.hpp"
#include "dns/resolver.hpp"

namespace tern::cli {

struct TlsCheck {
  std::string domain;
  int port = 25;
  delivery::smtp::TlsLevel level = delivery::smtp::TlsLevel::none;  // configured for the domain
  std::string level_source;                                          // "smtp_tls_security_level", ...
  delivery::smtp::InsecureMxPolicy insecure_mx = delivery::smtp::InsecureMxPolicy::may;
  tls::DaneDigests digests;
};

// The report's lines; *status is 0 when every host can get mail, 1 otherwise.
std::string tls_check_report(dns::Resolver& r, const TlsCheck& c, int* status);

}  // namespace tern::cli
