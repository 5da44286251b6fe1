// The MIME walk header and body checks need (Postfix's mime_state as cleanup(8) uses it):
// it splits a message (LF line endings) into logical headers, each classed as primary,
// MIME or nested, and body lines with their offset in the current body segment. It only
// classifies: every byte of the content belongs to exactly one header, body line, or
// header-ending blank line, so nothing is lost whatever the MIME structure (a missing
// closing boundary, a boundary inside a header block, garbage where headers belong).
//
// Exposes parse_content_type() (the Content-Type fields the walk needs, for tests and the
// fuzz target) and walk_mime().
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace tern::mime {

// Which header_checks table a header goes to.
enum class HeaderClass {
  primary,  // the message's own headers: header_checks
  mime,     // MIME-Version:/Content-* anywhere, every header of a multipart part: mime_header_checks
  nested,   // the headers of an attached message/rfc822: nested_header_checks
};

struct ContentType {
  std::string type, subtype;  // lower case, "" when absent or malformed
  std::string boundary;       // the boundary parameter, unquoted
};

// Parses a Content-Type field value ("multipart/mixed; boundary=\"b\" (comment)").
// Malformed input gives empty fields, never an error: the part is then plain text.
ContentType parse_content_type(std::string_view value);

struct Limits {
  int nesting = 100;           // mime_nesting_limit: deeper parts are treated as text
  size_t header_text = 102400; // header_size_limit: a longer header is matched truncated
  size_t line_text = 2048;     // line_length_limit: a longer body line is matched truncated
  bool disabled = false;       // disable_mime_input_processing: all after the headers is body
};

struct Span {
  size_t begin = 0, end = 0;  // the bytes in the content, the trailing newline included
};

class Visitor {
 public:
  virtual ~Visitor() = default;
  // A logical header: `text` has its continuation lines joined by their "\n" (no trailing
  // newline), cut at Limits::header_text. Return false to stop the walk.
  virtual bool header(HeaderClass cls, std::string_view text, Span where) = 0;
  // A body line (multipart boundaries included), without its newline, cut at
  // Limits::line_text; `segment_offset` counts the bytes of this body segment before it.
  // Return false to stop the walk.
  virtual bool body_line(std::string_view text, Span where, size_t segment_offset) = 0;
  // False when only the primary headers matter: the walk stops after them.
  virtual bool wants_more_than_primary() const { return true; }
};

void walk_mime(std::string_view content, const Limits& limits, Visitor& v);

// A header field line: a name of printable ASCII without ':' (blanks allowed before the
// colon), then ':'. As Postfix's is_header().
bool is_header_line(std::string_view line);

}  // namespace tern::mime
