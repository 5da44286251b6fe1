#include "dmarc/public_suffix.hpp"

#include <fmt/format.h>

#include <vector>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "dmarc/punycode.hpp"

namespace tern::dmarc {

namespace {

struct Labels {
  std::vector<std::string> given;    // lower-cased, as written
  std::vector<std::string> unicode;  // A-labels decoded, for matching
};

std::optional<Labels> split_domain(std::string_view d) {
  if (!d.empty() && d.back() == '.') d.remove_suffix(1);
  if (d.empty()) return std::nullopt;
  Labels l;
  size_t pos = 0;
  for (;;) {
    size_t dot = d.find('.', pos);
    std::string_view label = d.substr(pos, dot == std::string_view::npos ? d.npos : dot - pos);
    if (label.empty()) return std::nullopt;
    auto u = label_to_unicode(lower(label));
    if (!u) return std::nullopt;
    l.given.push_back(lower(label));
    l.unicode.push_back(std::move(*u));
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return l;
}

// The last k labels joined with dots.
std::string tail(const std::vector<std::string>& labels, size_t k) {
  std::string out;
  for (size_t i = labels.size() - k; i < labels.size(); ++i) {
    if (!out.empty()) out += '.';
    out += labels[i];
  }
  return out;
}

Status check_rule(std::string_view rule) {
  if (rule.empty() || rule.front() == '.' || rule.back() == '.' || rule.find("..") != rule.npos)
    return Error{"empty label"};
  if (rule.find('!') != rule.npos) return Error{"'!' inside a rule"};
  if (rule.find('*') != rule.npos) return Error{"'*' other than as the whole leftmost label"};
  return ok_status();
}

}  // namespace

Result<PublicSuffixList> PublicSuffixList::parse(std::string_view text) {
  PublicSuffixList psl;
  size_t lineno = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = trim(text.substr(pos, eol - pos));
    pos = eol + 1;
    ++lineno;
    if (line.empty() || line.starts_with("//")) continue;
    line = line.substr(0, line.find_first_of(" \t"));
    std::string rule = lower(line);
    auto* set = &psl.rules_;
    if (rule.starts_with("!")) {
      rule.erase(0, 1);
      set = &psl.exceptions_;
      if (rule.find('.') == std::string::npos)
        return Error{fmt::format("line {}: exception rule \"{}\" needs two labels", lineno, printable(line))};
    } else if (rule.starts_with("*.")) {
      rule.erase(0, 2);
      set = &psl.wildcards_;
    }
    if (auto ok = check_rule(rule); !ok)
      return Error{fmt::format("line {}: rule \"{}\": {}", lineno, printable(line), ok.error().message)};
    set->insert(std::move(rule));
  }
  return psl;
}

Result<PublicSuffixList> PublicSuffixList::load(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto psl = parse(*text);
  if (!psl) return Error{fmt::format("{}: {}", path, psl.error().message)};
  return psl;
}

std::optional<size_t> PublicSuffixList::suffix_labels(const std::string& domain) const {
  auto l = split_domain(domain);
  if (!l) return std::nullopt;
  const auto& u = l->unicode;
  const size_t n = u.size();
  for (size_t k = n; k >= 2; --k)  // an exception wins over every other rule
    if (exceptions_.contains(tail(u, k))) return k - 1;
  for (size_t k = n; k >= 1; --k) {  // otherwise the rule with the most labels
    if (rules_.contains(tail(u, k))) return k;
    if (k >= 2 && wildcards_.contains(tail(u, k - 1))) return k;
  }
  return 1;  // the implicit "*" rule
}

std::optional<std::string> PublicSuffixList::public_suffix(std::string_view domain) const {
  auto k = suffix_labels(std::string(domain));
  if (!k) return std::nullopt;
  return tail(split_domain(domain)->given, *k);
}

std::optional<std::string> PublicSuffixList::registrable_domain(std::string_view domain) const {
  auto k = suffix_labels(std::string(domain));
  if (!k) return std::nullopt;
  auto l = split_domain(domain);
  if (l->given.size() <= *k) return std::nullopt;
  return tail(l->given, *k + 1);
}

}  // namespace tern::dmarc
