// A milter's modifications applied to the message before it is queued: add, insert,
// change and delete header fields, replace the body, add and delete recipients, change the
// sender, quarantine. Pure functions over Message (content with LF line ends, header
// fields, an empty line, the body); no I/O.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "message/envelope.hpp"
#include "milter/protocol.hpp"

namespace tern::milter {

// A message's header section as fields (each with its continuation lines and final LF)
// and its body (after the empty line, "" when there is none).
struct MessageParts {
  std::vector<std::string> fields;
  std::string body;
  bool has_separator = false;  // the empty line between header and body was present

  static MessageParts split(std::string_view content);
  std::string join() const;
};

struct EditOutcome {
  bool hold = false;
  std::string hold_reason;         // SMFIR_QUARANTINE's text
};

// Applies `mods` (one milter's end-of-message modifications, in the order received) to
// `m`. `leading_space`: the milter negotiated SMFIP_HDR_LEADSPC (values are sent and
// taken as they are; otherwise one space is put after the colon).
EditOutcome apply_modifications(const std::vector<Reply>& mods, Message& m, bool leading_space);

// A header field's name and value as the milter protocol carries them: the value without
// the colon, one leading space removed unless `leading_space`, continuation lines kept.
std::pair<std::string, std::string> header_for_milter(std::string_view field, bool leading_space);

// "<a@b>" → "a@b"; other text unchanged.
std::string strip_brackets(std::string_view addr);

}  // namespace tern::milter
