// The score table of check_reputation: defaults, value parsers, reading the table.
#include "policy/reputation_scores.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "base/strings.hpp"

namespace tern::policy::reputation {

namespace {

constexpr std::array<std::string_view, kCheckCount> kNames = {
    "client_ip_eq_helo",
    "helo",
    "helo_from_mx_eq_ip",
    "helo_numeric",
    "from_match_regex_verified_helo",
    "from_match_regex_unverified_helo",
    "from_match_regex_failed_helo",
    "helo_seems_dialup",
    "failed_helo_seems_dialup",
    "helo_ip_in_client_subnet",
    "helo_ip_in_cl16_subnet",
    "client_seems_dialup",
    "from_multiparted",
    "from_anon",
    "bogus_mx",
    "random_sender",
    "rhsbl_penalty",
    "enforce_dyndns",
};

// policyd-weight 0.1.15's (HIT, MISS) per check, in kNames order.
constexpr std::array<Score, kCheckCount> kDefaults = {{
    {1.5, -1.25}, {1.5, -2}, {1.5, -3.1}, {2.5, 0},   {1, -2},   {1.6, -1.5},
    {2.5, 0},     {1.5, 0},  {2, 0},      {0, -1.2},  {0, -0.41}, {3.75, 0},
    {1.09, 0},    {1.17, 0}, {2.1, 0},    {0.25, 0},  {3.1, 0},   {3, 0},
}};

bool valid_zone(std::string_view z) {
  if (z.empty() || z.size() > 253) return false;
  for (auto label : split_any(z, ".")) {
    if (label.size() > 63) return false;
    for (char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return z.front() != '.' && z.find("..") == std::string_view::npos;
}

bool valid_log_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

std::string_view check_name(Check c) { return kNames[static_cast<size_t>(c)]; }

Scores default_scores() {
  Scores s;
  for (size_t i = 0; i < kCheckCount; ++i) s.checks[i] = kDefaults[i];
  s.dnsbl = {
      {"pbl.spamhaus.org", 3.25, 0, "DYN_PBL_SPAMHAUS"},
      {"sbl-xbl.spamhaus.org", 4.35, -1.5, "SBL_XBL_SPAMHAUS"},
      {"bl.spamcop.net", 3.75, -1.5, "SPAMCOP"},
      {"ix.dnsbl.manitu.net", 4.35, 0, "IX_MANITU"},
  };
  s.rhsbl = {{"multi.surbl.org", 4, 0, "SURBL"}};
  return s;
}

Result<double> parse_decimal(std::string_view text) {
  std::string_view t = text;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  // from_chars alone would take "1e3" and "inf"; allow only [-]digits[.digits].
  size_t digits = 0, dots = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] >= '0' && t[i] <= '9') ++digits;
    else if (t[i] == '.') ++dots;
    else if (!(t[i] == '-' && i == 0 && t.size() == text.size())) dots = 2;
  }
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::fixed);
  if (digits == 0 || dots > 1 || ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v) || std::fabs(v) > 1e6)
    return Error{fmt::format("\"{}\" is not a decimal number", printable(text, 64))};
  return v;
}

Result<Score> parse_score(std::string_view value) {
  auto f = split_any(value, " \t");
  if (f.size() != 2)
    return Error{fmt::format("expected \"HIT MISS\" (two decimal numbers), got \"{}\"", printable(value, 64))};
  auto hit = parse_decimal(f[0]);
  if (!hit) return Error{"hit score: " + hit.error().message};
  auto miss = parse_decimal(f[1]);
  if (!miss) return Error{"miss score: " + miss.error().message};
  return Score{*hit, *miss};
}

Result<std::vector<Blocklist>> parse_blocklists(std::string_view value) {
  std::vector<Blocklist> out;
  if (iequals(trim(value), "none")) return out;
  for (auto item : split_any(value, ",")) {
    if (trim(item).empty()) continue;
    auto f = split_any(item, " \t\r\n");
    if (f.size() != 4)
      return Error{fmt::format("expected \"ZONE HIT MISS LOGNAME\", got \"{}\"", printable(trim(item), 80))};
    std::string zone = lower(f[0]);
    if (!zone.empty() && zone.back() == '.') zone.pop_back();
    if (!valid_zone(zone)) return Error{fmt::format("\"{}\" is not a DNS zone name", printable(f[0], 80))};
    auto hit = parse_decimal(f[1]);
    if (!hit) return Error{fmt::format("{}: hit score: {}", zone, hit.error().message)};
    auto miss = parse_decimal(f[2]);
    if (!miss) return Error{fmt::format("{}: miss score: {}", zone, miss.error().message)};
    if (!valid_log_name(f[3]))
      return Error{fmt::format("{}: log name \"{}\" must be letters, digits, '_' or '-'", zone, printable(f[3], 64))};
    out.push_back({std::move(zone), *hit, *miss, std::string(f[3])});
  }
  if (out.empty()) return Error{"no zones (write \"none\" for an empty list)"};
  return out;
}

Result<Scores> read_scores(const Find& find) {
  Scores s = default_scores();
  auto entry_error = [](std::string_view key, const std::string& why) {
    return Error{fmt::format("reputation_score_maps: entry \"{}\": {}", key, why)};
  };
  for (size_t i = 0; i < kCheckCount; ++i) {
    auto v = find(kNames[i]);
    if (!v) return entry_error(kNames[i], v.error().message);
    if (!*v) continue;
    auto score = parse_score(**v);
    if (!score) return entry_error(kNames[i], score.error().message);
    s.checks[i] = *score;
  }
  for (auto [key, list] : {std::pair{"dnsbl", &s.dnsbl}, std::pair{"rhsbl", &s.rhsbl}}) {
    auto v = find(key);
    if (!v) return entry_error(key, v.error().message);
    if (!*v) continue;
    auto lists = parse_blocklists(**v);
    if (!lists) return entry_error(key, lists.error().message);
    *list = std::move(*lists);
  }
  return s;
}

}  // namespace tern::policy::reputation
