// SPF macro-strings (RFC 7208 §7): parsed once with the record, expanded per check.
// A parsed MacroString is a list of literal runs and macro-expands
// (%{s l o d i p h c r t v} with a digit and/or "r" transformer and delimiters, and
// %% %_ %-). The parser is strict: any byte outside the RFC's grammar, an unknown letter,
// c/r/t outside explanation text, a zero digit transformer or (for a domain-spec) an end
// that is neither a macro nor "." toplabel is an Error, which the record turns into
// permerror. Expansion needs no DNS: the caller supplies %{p} already looked up (check.cpp
// does it only when uses('p')).
//
// Choice where RFC 7208 is silent: %{i} of an IPv6 address is written with upper-case hex
// nibbles ("1.0.0.0...E.B.A.B.E.F.A.C"), as the reference implementation and the RFC 7208
// test suite do; %{c} is the compressed lower-case form.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/net.hpp"
#include "base/result.hpp"

namespace tern::spf {

struct MacroPart {
  std::string literal;     // the text, when letter == 0 (%%, %_ and %- are stored expanded)
  char letter = 0;         // lower-case macro letter
  bool url_escape = false; // the letter was upper case
  int keep = 0;            // digit transformer: keep this many right-hand parts; 0 = all
  bool reverse = false;    // "r" transformer
  std::string delimiters;  // "" = "."
};

enum class MacroUse {
  domain_spec,  // mechanism and redirect/exp targets: no c/r/t, must end in a macro or "." toplabel
  modifier,     // an unknown modifier's value: any letter, may be empty
  explanation,  // the TXT record exp= points to: spaces allowed, c/r/t allowed
};

struct MacroString {
  std::vector<MacroPart> parts;
  bool uses(char letter) const;  // lower-case letter
};

Result<MacroString> parse_macro_string(std::string_view text, MacroUse use);

// The values macros expand to (RFC 7208 §7.2).
struct MacroValues {
  std::string sender;         // s: the identity checked, local@domain
  std::string local_part;     // l
  std::string sender_domain;  // o
  std::string domain;         // d: the current domain
  IpAddress ip;               // i, c, v (IPv4-mapped addresses already unmapped)
  std::string validated;      // p: a validated name of ip, "unknown" when none
  std::string helo;           // h
  std::string receiver;       // r
  long long timestamp = 0;    // t
};

std::string expand(const MacroString& m, const MacroValues& v);

// A domain-spec expanded into the name to query: at most 253 octets (labels dropped from
// the left, §7.3), without a trailing dot.
std::string expand_domain(const MacroString& m, const MacroValues& v);

// RFC 7208 toplabel: alphanumeric with at least one letter, or alphanumerics and
// hyphens that neither start nor end with a hyphen.
bool is_toplabel(std::string_view label);

}  // namespace tern::spf
