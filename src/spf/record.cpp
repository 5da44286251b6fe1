// The record grammar (RFC 7208 §12 ABNF); see record.hpp.
#include "spf/record.hpp"

#include <cctype>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::spf {

namespace {

struct MechanismName {
  std::string_view name;
  Mechanism mechanism;
};
constexpr MechanismName kMechanisms[] = {
    {"all", Mechanism::all}, {"include", Mechanism::include}, {"a", Mechanism::a},
    {"mx", Mechanism::mx},   {"ptr", Mechanism::ptr},         {"ip4", Mechanism::ip4},
    {"ip6", Mechanism::ip6}, {"exists", Mechanism::exists},
};

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// ip4-cidr-length / ip6-cidr-length digits: "0" or no leading zero, at most `max`.
std::optional<int> cidr_length(std::string_view digits, int max) {
  if (!is_digits(digits) || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  int n = std::stoi(std::string(digits));
  if (n > max) return std::nullopt;
  return n;
}

// Splits a trailing dual-cidr-length ("/24", "//64", "/24//64") off `rest`.
Status take_dual_cidr(std::string_view& rest, Directive& d) {
  auto last_slash = rest.rfind('/');
  if (last_slash == std::string_view::npos || !is_digits(rest.substr(last_slash + 1))) return ok_status();
  if (last_slash > 0 && rest[last_slash - 1] == '/') {
    auto n = cidr_length(rest.substr(last_slash + 1), 128);
    if (!n) return Error{fmt::format("bad IPv6 prefix length in \"{}\"", printable(rest))};
    d.cidr6 = *n;
    rest = rest.substr(0, last_slash - 1);
    last_slash = rest.rfind('/');
    if (last_slash == std::string_view::npos || !is_digits(rest.substr(last_slash + 1))) return ok_status();
  }
  auto n = cidr_length(rest.substr(last_slash + 1), 32);
  if (!n) return Error{fmt::format("bad IPv4 prefix length in \"{}\"", printable(rest))};
  d.cidr4 = *n;
  rest = rest.substr(0, last_slash);
  return ok_status();
}

Status take_domain(std::string_view spec, Directive& d) {
  if (spec.empty()) return Error{fmt::format("{}: empty domain", d.text)};
  auto m = parse_macro_string(spec, MacroUse::domain_spec);
  if (!m) return m.error();
  d.domain = std::move(*m);
  return ok_status();
}

Status parse_network(std::string_view arg, Directive& d, bool v6) {
  std::string_view addr = arg, len;
  if (auto slash = arg.find('/'); slash != std::string_view::npos) {
    addr = arg.substr(0, slash);
    len = arg.substr(slash + 1);
  }
  auto ip = IpAddress::parse(addr);
  if (!ip || ip->v6 != v6 || addr.empty() || addr.front() == '[')
    return Error{fmt::format("invalid {} address in \"{}\"", v6 ? "IPv6" : "IPv4", printable(d.text))};
  d.network = *ip;
  if (arg.find('/') != std::string_view::npos) {
    auto n = cidr_length(len, v6 ? 128 : 32);
    if (!n) return Error{fmt::format("bad prefix length in \"{}\"", printable(d.text))};
    (v6 ? d.cidr6 : d.cidr4) = *n;
  }
  return ok_status();
}

// One directive: [qualifier] mechanism [":" argument] [cidr].
Result<Directive> parse_directive(std::string_view term) {
  Directive d;
  d.text = std::string(term);
  std::string_view t = term;
  switch (t.front()) {
    case '+': d.qualifier = Verdict::pass; t.remove_prefix(1); break;
    case '-': d.qualifier = Verdict::fail; t.remove_prefix(1); break;
    case '~': d.qualifier = Verdict::softfail; t.remove_prefix(1); break;
    case '?': d.qualifier = Verdict::neutral; t.remove_prefix(1); break;
    default: break;
  }
  size_t name_end = t.find_first_of(":/");
  std::string_view name = t.substr(0, name_end);
  std::string_view rest = name_end == std::string_view::npos ? std::string_view() : t.substr(name_end);
  const MechanismName* found = nullptr;
  for (const auto& m : kMechanisms)
    if (iequals(name, m.name)) found = &m;
  if (!found) return Error{fmt::format("unknown mechanism \"{}\"", printable(term))};
  d.mechanism = found->mechanism;
  bool has_arg = !rest.empty() && rest.front() == ':';
  switch (d.mechanism) {
    case Mechanism::all:
      if (!rest.empty()) return Error{fmt::format("\"all\" takes no argument: \"{}\"", printable(term))};
      break;
    case Mechanism::include:
    case Mechanism::exists:
      if (!has_arg) return Error{fmt::format("\"{}\" needs a domain", printable(term))};
      if (auto st = take_domain(rest.substr(1), d); !st) return st.error();
      break;
    case Mechanism::ptr:
      if (!rest.empty() && !has_arg) return Error{fmt::format("\"ptr\" takes no prefix length: \"{}\"", printable(term))};
      if (has_arg)
        if (auto st = take_domain(rest.substr(1), d); !st) return st.error();
      break;
    case Mechanism::a:
    case Mechanism::mx: {
      if (auto st = take_dual_cidr(rest, d); !st) return st.error();
      if (!rest.empty() && rest.front() != ':') return Error{fmt::format("bad argument in \"{}\"", printable(term))};
      if (!rest.empty())
        if (auto st = take_domain(rest.substr(1), d); !st) return st.error();
      break;
    }
    case Mechanism::ip4:
    case Mechanism::ip6:
      if (!has_arg) return Error{fmt::format("\"{}\" needs an address", printable(term))};
      if (auto st = parse_network(rest.substr(1), d, d.mechanism == Mechanism::ip6); !st) return st.error();
      break;
  }
  return d;
}

// modifier = name "=" macro-string; name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
std::optional<size_t> modifier_name_end(std::string_view term) {
  if (term.empty() || !std::isalpha(static_cast<unsigned char>(term[0]))) return std::nullopt;
  size_t i = 1;
  while (i < term.size()) {
    char c = term[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) break;
    ++i;
  }
  if (i < term.size() && term[i] == '=') return i;
  return std::nullopt;
}

Status parse_modifier(std::string_view term, size_t eq, Record& r) {
  std::string_view name = term.substr(0, eq), value = term.substr(eq + 1);
  bool redirect = iequals(name, "redirect"), exp = iequals(name, "exp");
  if (!redirect && !exp) {  // unknown modifiers are ignored, but must be well-formed
    auto m = parse_macro_string(value, MacroUse::modifier);
    if (!m) return m.error();
    return ok_status();
  }
  auto& slot = redirect ? r.redirect : r.exp;
  if (slot) return Error{fmt::format("\"{}\" appears twice", lower(name))};
  if (value.empty()) return Error{fmt::format("\"{}\" has an empty domain", lower(name))};
  auto m = parse_macro_string(value, MacroUse::domain_spec);
  if (!m) return m.error();
  slot = std::move(*m);
  return ok_status();
}

}  // namespace

std::string_view mechanism_name(Mechanism m) {
  for (const auto& k : kMechanisms)
    if (k.mechanism == m) return k.name;
  return "?";
}

bool is_spf_record(std::string_view txt) {
  return txt.size() >= 6 && iequals(txt.substr(0, 6), "v=spf1") && (txt.size() == 6 || txt[6] == ' ');
}

Result<Record> parse_record(std::string_view text) {
  Record r;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view term = text.substr(i, end - i);
    i = end;
    if (auto eq = modifier_name_end(term)) {
      if (auto st = parse_modifier(term, *eq, r); !st) return st.error();
      continue;
    }
    auto d = parse_directive(term);
    if (!d) return d.error();
    r.directives.push_back(std::move(*d));
  }
  return r;
}

}  // namespace tern::spf
