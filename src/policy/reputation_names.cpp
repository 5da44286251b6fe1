// The text heuristics of check_reputation; see reputation_names.hpp.
#include "policy/reputation_names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "base/strings.hpp"
#include "dns/rdata.hpp"

namespace tern::policy::reputation {

namespace {

// Host names that look like a mail server, and ones that look like a dial-up pool.
const std::regex& server_like_re() {
  static const std::regex re(R"((mx|smtp|mail|dedicated|(\b|[^n])stat).*?\..*?\.)", std::regex::icase);
  return re;
}
const std::regex& dialup_like_re() {
  static const std::regex re(R"((\.dip|cable|ppp|dial|dsl|dyn|client|rev.*?(ip|home)).*?\..*?\.)", std::regex::icase);
  return re;
}
// An address spelt into the name ("host-192-0-2-7.example").
const std::regex& address_in_name_re() {
  static const std::regex re(R"([a-z\.\-\_]+\d{1,3}[-._]\d{1,3}[-._]\d{1,3}[-._]\d{1,3})", std::regex::icase);
  return re;
}
// A HELO of digits and dots, bracketed or not.
const std::regex& numeric_helo_re() {
  static const std::regex re(R"(^[\d|\[][\d\.]+[\d|\]]$)");
  return re;
}
// Random-looking local parts: five consonants or four vowels in a row.
const std::regex& random_local_part_re() {
  static const std::regex re(R"(([bcdfgjklmnpqrtvwxz]{5,}|[aeiou]{4,}).*@)", std::regex::icase);
  return re;
}

}  // namespace

bool server_like(const std::string& name) { return std::regex_search(name, server_like_re()); }
bool dialup_like(const std::string& name) { return std::regex_search(name, dialup_like_re()); }
bool address_in_name(const std::string& name) { return std::regex_search(name, address_in_name_re()); }
bool numeric_helo(const std::string& helo) { return std::regex_search(helo, numeric_helo_re()); }
bool random_local_part(const std::string& sender) { return std::regex_search(sender, random_local_part_re()); }

std::string address_text(const IpAddress& a) {
  if (!a.v6) return a.to_string();
  std::string s;
  for (size_t i = 0; i < 16; i += 2) {
    if (i) s += ':';
    s += fmt::format("{:02x}{:02x}", a.bytes[i], a.bytes[i + 1]);
  }
  return s;
}

std::string reversed(const IpAddress& a) {
  std::string r = dns::reverse_name(a);
  auto cut = r.rfind(a.v6 ? ".ip6.arpa" : ".in-addr.arpa");
  return cut == std::string::npos ? r : r.substr(0, cut);
}

bool valid_query_name(std::string_view n) {
  if (n.empty() || n.size() > 253) return false;
  for (auto label : split_any(n, "."))
    if (label.size() > 63) return false;
  return n.find("..") == std::string_view::npos && n.front() != '.';
}

bool cannot_exist(std::string_view n) {
  auto dot = n.rfind('.');
  std::string_view top = dot == std::string_view::npos ? n : n.substr(dot + 1);
  return !top.empty() && std::all_of(top.begin(), top.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The first of policyd-weight's three substitutions that matches wins.
std::string strip_suffix(std::string s, bool keep_last_label_only) {
  static const std::regex cc2(R"(\.[a-z]{2}\.[a-z]{2}$)", std::regex::icase);
  static const std::regex gen(R"(\.(com|org|net)\.[a-z]{2}$)", std::regex::icase);
  static const std::regex tld(R"(\.[a-z]{2,5}$)", std::regex::icase);
  for (const auto* re : {&cc2, &gen, &tld}) {
    std::smatch m;
    if (std::regex_search(s, m, *re)) {
      s.erase(static_cast<size_t>(m.position(0)));
      if (keep_last_label_only)
        if (auto dot = s.rfind('.'); dot != std::string::npos) s.erase(0, dot + 1);
      return s;
    }
  }
  return s;
}

std::string last_label(const std::string& s) {
  auto dot = s.rfind('.');
  return dot == std::string::npos ? s : s.substr(dot + 1);
}

std::string second_label(const std::string& s) {
  auto dot = s.find('.');
  if (dot == std::string::npos || dot + 1 >= s.size() || s[dot + 1] == '.') return s;
  auto end = s.find('.', dot + 1);
  return s.substr(dot + 1, end == std::string::npos ? std::string::npos : end - dot - 1);
}

// "$a =~ /\.\Q$x\E$/i || $a =~ /\.\Q$x\E\./i"
bool has_label_text(const std::string& a, const std::string& x) {
  std::string la = lower(a), dx = "." + lower(x);
  return (la.size() >= dx.size() && la.compare(la.size() - dx.size(), dx.size(), dx) == 0) || la.find(dx + ".") != std::string::npos;
}

}  // namespace tern::policy::reputation
