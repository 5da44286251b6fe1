// Per-message DMARC results kept for aggregate reports (RFC 9990): one row per message
// and Author Domain that had a policy record, with what the report needs (the source
// IP, the identifiers, the policy as published, what was done, each authentication
// result). Rows are stored as one JSON object per line in dmarc_report_database, a file
// per UTC day ("2026-12-07.jsonl"), appended with one write each.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dmarc/discovery.hpp"
#include "dmarc/disposition.hpp"
#include "dmarc/evaluate.hpp"
#include "dmarc/inputs.hpp"

namespace tern::dmarc {

struct ResultRow {
  int64_t time = 0;             // arrival, seconds since the epoch
  std::string source_ip;
  std::string header_from;
  std::string envelope_from;    // the domain SPF checked
  std::string policy_domain;
  std::vector<std::string> rua;
  // The policy as published.
  std::string p = "none", sp, np;  // sp/np empty when not published
  std::string adkim = "r", aspf = "r";
  bool testing = false;
  std::string discovery = "treewalk";  // or "psl"
  // As evaluated.
  std::string disposition = "none";    // none, quarantine, reject (what was done)
  std::string dkim_aligned = "fail";   // pass or fail
  std::string spf_aligned = "fail";
  struct Dkim {
    std::string domain, selector, result;
  };
  std::vector<Dkim> dkim;
  std::string spf_domain, spf_scope = "mfrom", spf_result = "none";
};

// The rows of one evaluation: one per verdict with a policy record, none when exempt.
std::vector<ResultRow> result_rows(const Evaluation& e, const Input& in, const Disposition& d,
                                   std::string_view source_ip, int64_t time, Method method);

std::string encode_row(const ResultRow& r);      // one line of JSON, no newline
Result<ResultRow> decode_row(std::string_view line);

// "2026-12-07" for a time (UTC).
std::string day_of(int64_t time);

Status append_rows(const std::string& directory, const std::vector<ResultRow>& rows);
// The rows stored for one day ("2026-12-07"); a malformed line is an Error naming it.
Result<std::vector<ResultRow>> read_day(const std::string& directory, std::string_view day);

}  // namespace tern::dmarc
