// DKIM tag=value lists (RFC 6376 §3.2), the syntax of both DKIM-Signature header fields
// and key records. Parsing is strict: a tag name that is not ALPHA *(ALPHA / DIGIT / "_"),
// a missing "=", a value with characters outside VCHAR (and ";"), stray bytes or a tag
// given twice make the whole list invalid, as §3.2 requires. Folding whitespace around
// names and values is dropped; inside a value it is kept for the caller (b=, bh=, p= and
// h= remove it; z= keeps it).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace tern::dkim {

class TagList {
 public:
  // The tags in the order written; names keep their case (they are case-sensitive).
  const std::vector<std::pair<std::string, std::string>>& tags() const { return tags_; }
  // The value of `name`, or nullopt when the list has no such tag.
  std::optional<std::string_view> find(std::string_view name) const;

  static Result<TagList> parse(std::string_view text);

 private:
  std::vector<std::pair<std::string, std::string>> tags_;
};

// `value` without any folding whitespace (SP, HTAB, CR, LF): for base64 tags and h=.
std::string strip_fws(std::string_view value);

}  // namespace tern::dkim
