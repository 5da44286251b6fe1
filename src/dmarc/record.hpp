// A DMARC policy record (RFC 9989 §4.7): the TXT record at _dmarc.<domain>, parsed
// strictly. A record must begin with "v=DMARC1"; tags are p sp np t psd adkim aspf rua ruf
// fo, with ri and pct kept from RFC 7489 (pct is historic: read, checked, never applied).
// Unknown tags are ignored as the RFC requires, and noted in `notes` for `tern check
// dmarc`. A tag-list that does not parse, a repeated tag or a bad value of a known tag is
// an Error naming the tag: such a record is discarded, as if it were not published.
// A missing or bad p= with at least one valid rua= reads as p=none (RFC 9989 §4.7).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::dmarc {

enum class Policy { none, quarantine, reject };
enum class Alignment { relaxed, strict };
// psd=: y (a public suffix domain's record), n (an organizational domain), u (unknown).
enum class Psd { unknown, yes, no };

std::string_view policy_name(Policy p);

struct Record {
  Policy p = Policy::none;
  std::optional<Policy> sp;  // subdomains; p when absent
  std::optional<Policy> np;  // non-existent subdomains; sp (then p) when absent
  bool testing = false;      // t=y
  Psd psd = Psd::unknown;
  Alignment adkim = Alignment::relaxed;
  Alignment aspf = Alignment::relaxed;
  std::vector<std::string> rua;  // aggregate report URIs ("mailto:..."), valid ones only
  std::vector<std::string> ruf;  // failure report URIs
  std::string fo = "0";          // failure reporting options, colon-separated 0 1 d s
  uint32_t ri = 86400;           // report interval (RFC 7489), seconds
  std::optional<int> pct;        // historic; never applied
  std::vector<std::string> notes;  // ignored tags and values, for diagnostics
};

// True when the TXT string is meant as a DMARC record: it starts with v=DMARC1 (spaces
// allowed around '=') followed by ';' or its end. Others are not DMARC records at all.
bool is_dmarc_record(std::string_view txt);

Result<Record> parse_record(std::string_view txt);

}  // namespace tern::dmarc
