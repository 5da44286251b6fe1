#include "dmarc/record.hpp"

#include <fmt/format.h>

#include <cctype>
#include <set>

#include "base/strings.hpp"

namespace tern::dmarc {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view strip(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool valid_tag_name(std::string_view n) {
  if (n.empty() || !std::isalpha(static_cast<unsigned char>(n[0]))) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::optional<Policy> policy_value(std::string_view v) {
  if (iequals(v, "none")) return Policy::none;
  if (iequals(v, "quarantine")) return Policy::quarantine;
  if (iequals(v, "reject")) return Policy::reject;
  return std::nullopt;
}

std::optional<Alignment> alignment_value(std::string_view v) {
  if (iequals(v, "r")) return Alignment::relaxed;
  if (iequals(v, "s")) return Alignment::strict;
  return std::nullopt;
}

// "mailto:addr[!size]": the URI without the size suffix, which RFC 9989 says to ignore.
// Only mailto: is a report destination RFC 9990 defines.
std::optional<std::string> report_uri(std::string_view u) {
  u = strip(u);
  if (auto bang = u.rfind('!'); bang != std::string_view::npos) u = u.substr(0, bang);
  if (!istarts_with(u, "mailto:")) return std::nullopt;
  std::string_view addr = u.substr(7);
  size_t at = addr.rfind('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == addr.size()) return std::nullopt;
  for (char c : addr)
    if (static_cast<unsigned char>(c) <= ' ' || c == ',' || c == ';') return std::nullopt;
  return std::string(u);
}

void uri_list(std::string_view v, std::string_view tag, std::vector<std::string>& out,
              std::vector<std::string>& notes) {
  for (auto piece : split_any(v, ",")) {
    if (auto uri = report_uri(piece))
      out.push_back(std::move(*uri));
    else
      notes.push_back(fmt::format("{}: unusable URI \"{}\" ignored", tag, printable(strip(piece), 80)));
  }
}

bool fo_value(std::string_view v) {
  auto opts = split_any(v, ":");
  if (opts.empty()) return false;
  for (auto o : opts) {
    o = strip(o);
    if (o != "0" && o != "1" && o != "d" && o != "s") return false;
  }
  return true;
}

struct Tag {
  std::string name;  // lower case
  std::string_view value;
};

// Splits "v=DMARC1; p=reject; ..." into tags; the tag-list rules of RFC 9989 §4.7.
Result<std::vector<Tag>> split_tags(std::string_view txt) {
  std::vector<Tag> tags;
  std::set<std::string> seen;
  for (size_t pos = 0; pos <= txt.size();) {
    size_t semi = txt.find(';', pos);
    if (semi == std::string_view::npos) semi = txt.size();
    std::string_view seg = strip(txt.substr(pos, semi - pos));
    pos = semi + 1;
    if (seg.empty()) continue;  // "p=none;" and stray ";;" carry nothing
    size_t eq = seg.find('=');
    if (eq == std::string_view::npos)
      return Error{fmt::format("tag without '=': \"{}\"", printable(seg, 40))};
    std::string name = lower(strip(seg.substr(0, eq)));
    if (!valid_tag_name(name)) return Error{fmt::format("bad tag name \"{}\"", printable(name, 40))};
    if (!seen.insert(name).second) return Error{fmt::format("tag {}= appears twice", name)};
    tags.push_back({std::move(name), strip(seg.substr(eq + 1))});
  }
  return tags;
}

// Applies one tag (not v=) to the record; false when its value is bad.
bool apply(Record& r, const Tag& t, bool& have_p) {
  const auto v = t.value;
  if (t.name == "p") {
    auto p = policy_value(v);
    if (p) r.p = *p, have_p = true;
    else r.notes.push_back(fmt::format("p: bad value \"{}\"", printable(v, 40)));
    return true;  // decided once rua= is known
  }
  if (t.name == "sp" || t.name == "np") {
    auto p = policy_value(v);
    if (!p) return false;
    (t.name == "sp" ? r.sp : r.np) = *p;
    return true;
  }
  if (t.name == "adkim" || t.name == "aspf") {
    auto a = alignment_value(v);
    if (!a) return false;
    (t.name == "adkim" ? r.adkim : r.aspf) = *a;
    return true;
  }
  if (t.name == "t") {
    if (!iequals(v, "y") && !iequals(v, "n")) return false;
    r.testing = iequals(v, "y");
    return true;
  }
  if (t.name == "psd") {
    if (iequals(v, "y")) r.psd = Psd::yes;
    else if (iequals(v, "n")) r.psd = Psd::no;
    else if (iequals(v, "u")) r.psd = Psd::unknown;
    else return false;
    return true;
  }
  if (t.name == "rua" || t.name == "ruf") {
    uri_list(v, t.name, t.name == "rua" ? r.rua : r.ruf, r.notes);
    return true;
  }
  if (t.name == "fo") {
    if (!fo_value(v)) return false;
    r.fo = std::string(v);
    return true;
  }
  if (t.name == "ri") {
    auto n = parse_int(v);
    if (!n || *n < 0 || *n > 0xffffffffLL) return false;
    r.ri = static_cast<uint32_t>(*n);
    return true;
  }
  if (t.name == "pct") {
    auto n = parse_int(v);
    if (!n || *n < 0 || *n > 100) return false;
    r.pct = static_cast<int>(*n);
    r.notes.push_back("pct: historic tag, not applied (RFC 9989)");
    return true;
  }
  r.notes.push_back(fmt::format("unknown tag {}= ignored", t.name));
  return true;
}

}  // namespace

std::string_view policy_name(Policy p) {
  switch (p) {
    case Policy::none: return "none";
    case Policy::quarantine: return "quarantine";
    case Policy::reject: return "reject";
  }
  return "none";
}

bool is_dmarc_record(std::string_view txt) {
  txt = strip(txt);
  if (txt.empty() || (txt[0] != 'v' && txt[0] != 'V')) return false;
  txt = strip(txt.substr(1));
  if (txt.empty() || txt[0] != '=') return false;
  txt = strip(txt.substr(1));
  if (txt.substr(0, 6) != "DMARC1") return false;  // case-sensitive (%x44.4d.41.52.43.31)
  txt = strip(txt.substr(6));
  return txt.empty() || txt[0] == ';';
}

Result<Record> parse_record(std::string_view txt) {
  if (!is_dmarc_record(txt)) return Error{"not a DMARC record: it must begin with v=DMARC1"};
  auto tags = split_tags(txt);
  if (!tags) return tags.error();
  Record r;
  bool have_p = false;
  for (size_t i = 1; i < tags->size(); ++i) {
    const Tag& t = (*tags)[i];
    if (t.name == "v") return Error{"v= must be the first tag, and only once"};
    if (!apply(r, t, have_p))
      return Error{fmt::format("bad value for {}=: \"{}\"", t.name, printable(t.value, 60))};
  }
  if (!have_p) {
    if (r.rua.empty()) return Error{"no valid p= tag and no valid rua= tag"};
    r.p = Policy::none;
    r.notes.push_back("no valid p=: read as p=none because rua= is present");
  }
  return r;
}

}  // namespace tern::dmarc
