// Result and policy type names and the JSON line form of an Event; see event.hpp.
#include "tlsrpt/event.hpp"

#include <array>
#include <ctime>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace tern::tlsrpt {

namespace {

constexpr std::array<std::pair<ResultType, std::string_view>, 11> kResults{{
    {ResultType::starttls_not_supported, "starttls-not-supported"},
    {ResultType::certificate_host_mismatch, "certificate-host-mismatch"},
    {ResultType::certificate_expired, "certificate-expired"},
    {ResultType::certificate_not_trusted, "certificate-not-trusted"},
    {ResultType::validation_failure, "validation-failure"},
    {ResultType::tlsa_invalid, "tlsa-invalid"},
    {ResultType::dnssec_invalid, "dnssec-invalid"},
    {ResultType::dane_required, "dane-required"},
    {ResultType::sts_policy_fetch_error, "sts-policy-fetch-error"},
    {ResultType::sts_policy_invalid, "sts-policy-invalid"},
    {ResultType::sts_webpki_invalid, "sts-webpki-invalid"},
}};

constexpr std::array<std::pair<PolicyType, std::string_view>, 3> kPolicies{{
    {PolicyType::sts, "sts"}, {PolicyType::tlsa, "tlsa"}, {PolicyType::no_policy_found, "no-policy-found"}}};

using json = nlohmann::json;

// A member that must be a string (or absent when `optional`).
Result<std::string> text_member(const json& j, const char* key, bool optional) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (optional) return std::string();
    return Error{fmt::format("missing \"{}\"", key)};
  }
  if (!it->is_string()) return Error{fmt::format("\"{}\" is not a string", key)};
  return it->get<std::string>();
}

Result<std::vector<std::string>> list_member(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_array()) return Error{fmt::format("\"{}\" is not an array", key)};
  for (const auto& v : *it) {
    if (!v.is_string()) return Error{fmt::format("\"{}\" holds a non-string", key)};
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::string_view result_name(ResultType t) {
  for (auto [k, n] : kResults)
    if (k == t) return n;
  return "validation-failure";
}

std::optional<ResultType> parse_result(std::string_view name) {
  for (auto [k, n] : kResults)
    if (n == name) return k;
  return std::nullopt;
}

std::string_view policy_type_name(PolicyType t) {
  for (auto [k, n] : kPolicies)
    if (k == t) return n;
  return "no-policy-found";
}

std::optional<PolicyType> parse_policy_type(std::string_view name) {
  for (auto [k, n] : kPolicies)
    if (n == name) return k;
  return std::nullopt;
}

std::string utc_day(long long unix_time) {
  std::time_t t = std::time_t(unix_time);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

bool valid_day(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  int month = (d[5] - '0') * 10 + (d[6] - '0'), mday = (d[8] - '0') * 10 + (d[9] - '0');
  return month >= 1 && month <= 12 && mday >= 1 && mday <= 31;
}

std::string encode(const Event& e) {
  json j = {{"day", e.day},
            {"domain", e.domain},
            {"policy-type", policy_type_name(e.policy.type)},
            {"policy-string", e.policy.strings},
            {"mx-host", e.policy.mx_host},
            {"result", e.failure ? result_name(*e.failure) : "success"}};
  if (!e.sending_ip.empty()) j["sending-mta-ip"] = e.sending_ip;
  if (!e.receiving_ip.empty()) j["receiving-ip"] = e.receiving_ip;
  if (!e.receiving_mx.empty()) j["receiving-mx-hostname"] = e.receiving_mx;
  if (!e.detail.empty()) j["additional-information"] = e.detail;
  // Untrusted text (the peer's names, OpenSSL's reasons) may hold invalid UTF-8: replace it.
  return j.dump(-1, ' ', true, json::error_handler_t::replace);
}

Result<Event> decode(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"not a JSON object"};
  Event e;
  auto day = text_member(j, "day", false);
  if (!day) return day.error();
  if (!valid_day(*day)) return Error{"bad \"day\""};
  e.day = std::move(*day);
  auto domain = text_member(j, "domain", false);
  if (!domain) return domain.error();
  if (domain->empty()) return Error{"empty \"domain\""};
  e.domain = std::move(*domain);
  auto type = text_member(j, "policy-type", false);
  if (!type) return type.error();
  auto pt = parse_policy_type(*type);
  if (!pt) return Error{fmt::format("unknown policy-type \"{}\"", *type)};
  e.policy.type = *pt;
  auto strings = list_member(j, "policy-string");
  if (!strings) return strings.error();
  e.policy.strings = std::move(*strings);
  auto mx = list_member(j, "mx-host");
  if (!mx) return mx.error();
  e.policy.mx_host = std::move(*mx);
  auto result = text_member(j, "result", false);
  if (!result) return result.error();
  if (*result != "success") {
    e.failure = parse_result(*result);
    if (!e.failure) return Error{fmt::format("unknown result \"{}\"", *result)};
  }
  for (auto [key, field] : {std::pair{"sending-mta-ip", &e.sending_ip}, std::pair{"receiving-ip", &e.receiving_ip},
                            std::pair{"receiving-mx-hostname", &e.receiving_mx},
                            std::pair{"additional-information", &e.detail}}) {
    auto v = text_member(j, key, true);
    if (!v) return v.error();
    *field = std::move(*v);
  }
  return e;
}

}  // namespace tern::tlsrpt
