// One DNS answer as the rest of Tern sees it: what the lookup found (data, no data,
// NXDOMAIN, or a temporary failure: SPF, DMARC and the MX logic each treat these apart),
// how far DNSSEC vouches for it (secure, insecure, bogus), and the record data in wire
// form. rdata.hpp turns the wire form into addresses, MX, TXT, PTR and TLSA records.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::dns {

enum class Type : uint16_t { A = 1, NS = 2, CNAME = 5, PTR = 12, MX = 15, TXT = 16, AAAA = 28, TLSA = 52 };
std::string_view type_name(Type t);
std::optional<Type> parse_type(std::string_view name);  // "MX", "tlsa", ...; nullopt if unknown

enum class Outcome {
  data,       // NOERROR with records of the type asked for
  nodata,     // NOERROR, the name exists but has no records of this type
  nxdomain,   // the name does not exist
  temporary,  // SERVFAIL, timeout, REFUSED, ...: try again later (also a bogus answer)
};
std::string_view outcome_name(Outcome o);

enum class Security {
  insecure,  // no DNSSEC chain of trust reaches the answer (or validation is off)
  secure,    // validated: the AD bit's meaning
  bogus,     // validation failed; the answer must not be used (Outcome is temporary)
};
std::string_view security_name(Security s);

struct Answer {
  Outcome outcome = Outcome::temporary;
  Security security = Security::insecure;
  uint32_t ttl = 0;                 // of the answer's records (0 when none)
  std::vector<std::string> rdata;   // each record's RDATA in wire form, names uncompressed
  std::string canonical;            // the name after CNAMEs; empty when the question's own
  std::string error;                // temporary/bogus: why, for logs and replies

  bool has_data() const { return outcome == Outcome::data; }
  bool secure() const { return security == Security::secure; }
};

}  // namespace tern::dns
