#include "dmarc/report_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/file.hpp"

namespace tern::dmarc {

namespace {

using json = nlohmann::json;

std::string_view disposition_name(const Disposition& d, const Verdict& v) {
  switch (d.action) {
    case Action::reject: return "reject";
    case Action::hold:
    case Action::add_header: return v.result == Outcome::fail ? "quarantine" : "none";
    case Action::accept: return "none";
  }
  return "none";
}

ResultRow row_of(const Verdict& v, const Input& in, const Disposition& d) {
  const Record& rec = *v.record;
  ResultRow r;
  r.header_from = v.from_domain;
  r.envelope_from = in.spf.domain;
  r.policy_domain = v.policy_domain;
  r.rua = rec.rua;
  r.p = policy_name(rec.p);
  if (rec.sp) r.sp = policy_name(*rec.sp);
  if (rec.np) r.np = policy_name(*rec.np);
  r.adkim = rec.adkim == Alignment::strict ? "s" : "r";
  r.aspf = rec.aspf == Alignment::strict ? "s" : "r";
  r.testing = rec.testing;
  r.disposition = disposition_name(d, v);
  r.dkim_aligned = v.dkim_aligned ? "pass" : "fail";
  r.spf_aligned = v.spf_aligned ? "pass" : "fail";
  for (const auto& k : in.dkim) r.dkim.push_back({k.domain, k.selector, std::string(dkim_result_name(k.result))});
  r.spf_domain = in.spf.domain;
  r.spf_scope = in.spf.helo ? "helo" : "mfrom";
  r.spf_result = spf_result_name(in.spf.result);
  return r;
}

// The row's text fields, by their JSON names: encode and decode walk the same table.
constexpr std::pair<const char*, std::string ResultRow::*> kTextFields[] = {
    {"source_ip", &ResultRow::source_ip},       {"header_from", &ResultRow::header_from},
    {"envelope_from", &ResultRow::envelope_from}, {"policy_domain", &ResultRow::policy_domain},
    {"p", &ResultRow::p},                       {"sp", &ResultRow::sp},
    {"np", &ResultRow::np},                     {"adkim", &ResultRow::adkim},
    {"aspf", &ResultRow::aspf},                 {"discovery", &ResultRow::discovery},
    {"disposition", &ResultRow::disposition},   {"dkim_aligned", &ResultRow::dkim_aligned},
    {"spf_aligned", &ResultRow::spf_aligned},   {"spf_domain", &ResultRow::spf_domain},
    {"spf_scope", &ResultRow::spf_scope},       {"spf_result", &ResultRow::spf_result},
};

// A string field that must be present.
std::string field(const json& j, const char* name) {
  const auto& v = j.at(name);
  if (!v.is_string()) throw std::invalid_argument(fmt::format("{} is not a string", name));
  return v.get<std::string>();
}

}  // namespace

std::vector<ResultRow> result_rows(const Evaluation& e, const Input& in, const Disposition& d,
                                   std::string_view source_ip, int64_t time, Method method) {
  std::vector<ResultRow> rows;
  if (e.exempt) return rows;
  const Verdict* decisive = e.decisive();
  for (const Verdict& v : e.verdicts) {
    if (!v.record) continue;
    ResultRow r = row_of(v, in, &v == decisive ? d : Disposition{});
    r.time = time;
    r.source_ip = source_ip;
    r.discovery = method == Method::psl ? "psl" : "treewalk";
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string encode_row(const ResultRow& r) {
  json dkim = json::array();
  for (const auto& k : r.dkim) dkim.push_back({{"domain", k.domain}, {"selector", k.selector}, {"result", k.result}});
  json j = {{"v", 1}, {"time", r.time}, {"rua", r.rua}, {"testing", r.testing}, {"dkim", dkim}};
  for (const auto& [name, member] : kTextFields) j[name] = r.*member;
  // Replace invalid UTF-8 rather than throw: the names come from the network.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ResultRow> decode_row(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"not a JSON object"};
  try {
    if (j.at("v") != 1) return Error{"unknown row version"};
    ResultRow r;
    if (!j.at("time").is_number_integer()) return Error{"time is not an integer"};
    r.time = j.at("time").get<int64_t>();
    for (const auto& [name, member] : kTextFields) r.*member = field(j, name);
    for (const auto& u : j.at("rua")) r.rua.push_back(u.get<std::string>());
    if (!j.at("testing").is_boolean()) return Error{"testing is not a boolean"};
    r.testing = j.at("testing").get<bool>();
    for (const auto& k : j.at("dkim")) r.dkim.push_back({field(k, "domain"), field(k, "selector"), field(k, "result")});
    return r;
  } catch (const std::exception& e) {  // nlohmann reports a missing or mistyped field so
    return Error{std::string("bad row: ") + e.what()};
  }
}

std::string day_of(int64_t time) {
  std::time_t t = static_cast<std::time_t>(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

Status append_rows(const std::string& directory, const std::vector<ResultRow>& rows) {
  if (rows.empty()) return ok_status();
  if (auto made = make_dirs(directory, 0700); !made) return made;
  std::string path = fmt::format("{}/{}.jsonl", directory, day_of(rows.front().time));
  std::string text;
  for (const auto& r : rows) text += encode_row(r) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{fmt::format("open {}: {}", path, std::strerror(errno))};
  Status st = write_all(fd, text, path);
  ::close(fd);
  return st;
}

Result<std::vector<ResultRow>> read_day(const std::string& directory, std::string_view day) {
  std::string path = fmt::format("{}/{}.jsonl", directory, day);
  std::vector<ResultRow> rows;
  if (::access(path.c_str(), F_OK) != 0) return rows;  // nothing recorded that day
  auto text = read_file(path);
  if (!text) return text.error();
  size_t lineno = 0;
  for (size_t pos = 0; pos < text->size();) {
    size_t eol = text->find('\n', pos);
    if (eol == std::string::npos) eol = text->size();
    std::string_view line(text->data() + pos, eol - pos);
    pos = eol + 1;
    ++lineno;
    if (line.empty()) continue;
    auto r = decode_row(line);
    if (!r) return Error{fmt::format("{}:{}: {}", path, lineno, r.error().message)};
    rows.push_back(std::move(*r));
  }
  return rows;
}

}  // namespace tern::dmarc
