// An SPF record (RFC 7208 §4.5, §4.6, §5, §6): picking the one "v=spf1" record out of a
// name's TXT strings, and parsing it into terms. Parsing covers the whole record before
// anything is evaluated, so a syntax error anywhere is permerror (§4.6) even when an
// earlier mechanism would have matched; it does no I/O.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/net.hpp"
#include "base/result.hpp"
#include "spf/macro.hpp"
#include "spf/verdict.hpp"

namespace tern::spf {

enum class Mechanism { all, include, a, mx, ptr, ip4, ip6, exists };
std::string_view mechanism_name(Mechanism m);

struct Directive {
  Verdict qualifier = Verdict::pass;   // + pass, - fail, ~ softfail, ? neutral
  Mechanism mechanism = Mechanism::all;
  std::optional<MacroString> domain;   // include, exists (always); a, mx, ptr (when given)
  int cidr4 = 32, cidr6 = 128;         // a, mx: dual-cidr-length; ip4/ip6: the network's
  IpAddress network;                   // ip4, ip6
  std::string text;                    // as written, for logs and Received-SPF
};

struct Record {
  std::vector<Directive> directives;   // in order
  std::optional<MacroString> redirect; // redirect=
  std::optional<MacroString> exp;      // exp=
};

// The record text without the leading "v=spf1". Error text says what is wrong.
Result<Record> parse_record(std::string_view text);

// Whether one TXT record (its strings joined) is an SPF record: "v=spf1" (any case)
// followed by a space or the end.
bool is_spf_record(std::string_view txt);

}  // namespace tern::spf
