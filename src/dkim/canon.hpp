// DKIM canonicalization (RFC 6376 §3.4): the "simple" and "relaxed" forms of header
// fields and of the body. Messages are held with LF line ends (as Tern stores them) or
// CRLF; either way a line end counts as CRLF, which is what the algorithms see on the wire.
//
// The body canonicalizer is streaming: feed it chunks of any size, then finish(); it
// hands canonical bytes to a sink (a hash) as soon as they are final, holding back only
// the current line and a count of empty lines that may still turn out to be trailing.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::dkim {

enum class Canon { simple, relaxed };
std::string_view canon_name(Canon c);
// "simple", "relaxed", "simple/relaxed", ...: header/body (body defaults to simple, §3.5 c=).
Result<std::pair<Canon, Canon>> parse_canon(std::string_view text);

// One whole header field ("Name: value" with its folds, without the final line end) in
// canonical form, without the trailing CRLF.
std::string canon_header(Canon c, std::string_view field);

class BodyCanonicalizer {
 public:
  using Sink = std::function<void(std::string_view)>;
  BodyCanonicalizer(Canon c, Sink sink) : canon_(c), sink_(std::move(sink)) {}
  void update(std::string_view chunk);
  void finish();  // flushes a last unterminated line; an empty simple body becomes CRLF

 private:
  void line(std::string_view l);  // one line, without its terminator

  Canon canon_;
  Sink sink_;
  std::string partial_;      // the current line so far (no line end seen yet)
  size_t empty_lines_ = 0;   // empty lines not yet emitted (trailing ones never are)
  bool emitted_ = false;
};

// The whole canonical body in one string (tests, small messages).
std::string canon_body(Canon c, std::string_view body);

}  // namespace tern::dkim
