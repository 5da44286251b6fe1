// A message split the way DKIM needs it: every header field with its exact bytes (the
// "simple" algorithm signs them as written), and where the body starts. Line ends may be
// LF or CRLF. Pure, no copies: views into the caller's text.
#pragma once
#include <string_view>
#include <vector>

namespace tern::dkim {

struct HeaderField {
  std::string_view name;   // up to the colon, WSP before the colon dropped
  std::string_view field;  // "Name: value" with its folds, without the final line end
  std::string_view value;  // after the colon, as written (folds kept)
};

struct SplitMessage {
  std::vector<HeaderField> headers;  // in message order
  std::string_view body;             // after the empty line; empty when there is none
};

// A line that is neither a field nor a continuation ends the header section there (the
// rest is body), as for_each_header() in message/ treats it.
SplitMessage split_message(std::string_view message);

// The fields an h= list selects (RFC 6376 §5.4.2): for each name, the last instance not
// yet used, working upwards; a name with no instance left selects nothing (over-signing).
// `skip` is one field excluded from selection (the signature being verified), or null.
std::vector<const HeaderField*> select_headers(const SplitMessage& m, const std::vector<std::string_view>& names,
                                               const HeaderField* skip = nullptr);

}  // namespace tern::dkim
