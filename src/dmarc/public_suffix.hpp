// The Public Suffix List (publicsuffix.org; Debian's publicsuffix package) and its
// matching algorithm: normal rules, wildcards ("*.ck") and exceptions ("!www.ck"), the
// implicit "*" rule for an unlisted TLD. RFC 7489's Organizational Domain is the
// registrable domain (the public suffix plus one label); dmarc_discovery_method = psl uses
// it instead of RFC 9989's DNS tree walk. Both the ICANN and the PRIVATE sections count.
// Names may be given with A-labels ("xn--...") or UTF-8 U-labels: they match the same
// rules, and results keep the labels as given.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "base/result.hpp"

namespace tern::dmarc {

class PublicSuffixList {
 public:
  // The list's text: one rule per line, "//" comments, the rule ends at whitespace.
  // A rule with an empty label or a misplaced '*' or '!' is an Error naming its line.
  static Result<PublicSuffixList> parse(std::string_view text);
  static Result<PublicSuffixList> load(const std::string& path);

  // "www.example.co.uk" -> "co.uk". nullopt for a name that is not a domain (empty,
  // leading dot, empty label, bad A-label).
  std::optional<std::string> public_suffix(std::string_view domain) const;
  // "www.example.co.uk" -> "example.co.uk"; nullopt when the name is a public suffix
  // itself or not a domain. Lower case (ASCII).
  std::optional<std::string> registrable_domain(std::string_view domain) const;

  size_t size() const { return rules_.size() + wildcards_.size() + exceptions_.size(); }

 private:
  // How many labels, counted from the right, the public suffix of `labels` has.
  std::optional<size_t> suffix_labels(const std::string& domain) const;

  std::unordered_set<std::string> rules_;       // "co.uk"
  std::unordered_set<std::string> wildcards_;   // "ck" for "*.ck"
  std::unordered_set<std::string> exceptions_;  // "www.ck" for "!www.ck"
};

}  // namespace tern::dmarc
