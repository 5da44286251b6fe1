// Expanding a pipe(8) argv template for one job: message-wide macros once, and each
// argument that names a per-recipient macro once per recipient, as pipe(8) does (an
// argument with ${user} is left out for a recipient whose user part is empty, which
// Cyrus bulletin-board delivery relies on). The q, u and h flags quote and fold the
// addresses they apply to.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "delivery/pipe_args.hpp"
#include "message/envelope.hpp"

namespace tern::delivery::pipe {

struct ExpandInput {
  const Message& message;
  std::string sender;                   // the envelope sender, null_sender for <>, VERP applied
  std::vector<std::string> recipients;  // the job's recipient addresses
  std::string nexthop;
  std::string delimiters;               // recipient_delimiter
};

std::vector<std::string> expand_argv(const PipeSpec& spec, const ExpandInput& in);

// RFC 822 quoting of an address's local part when it needs it:
// "a b@example.org" -> "\"a b\"@example.org".
std::string quote_local_part(std::string_view address);

// An address as the q/u/h flags make it (q first, then folding).
std::string morph_address(std::string_view address, const Flags& f);

}  // namespace tern::delivery::pipe
