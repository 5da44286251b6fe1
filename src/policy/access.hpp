// access(5) tables: the keys Postfix tries for a client, a HELO name or an address, and
// the parsed form of what a table (or a policy delegate) answers: OK, DUNNO, REJECT,
// DEFER, 4NN/5NN text, DEFER_IF_REJECT, DEFER_IF_PERMIT, BCC, DISCARD, FILTER, HOLD,
// PREPEND, REDIRECT, INFO, WARN, or restriction words / class names. Internal to policy/.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::policy {

// Lookup keys in Postfix's order.
std::vector<std::string> address_keys(std::string_view addr, std::string_view delimiters);
std::vector<std::string> domain_keys(std::string_view domain);   // name, then parents
std::vector<std::string> client_keys(std::string_view name, std::string_view addr);

enum class AccessKind {
  permit, dunno, reject, defer, defer_if_reject, defer_if_permit,
  bcc, discard, filter, hold, prepend, redirect, info, warn,
  restrictions,  // anything else: restriction words or class names, in `text`
};

struct AccessAnswer {
  AccessKind kind = AccessKind::dunno;
  int code = 0;        // 4NN/5NN given in the answer; 0 = the configured code
  std::string status;  // an enhanced status code given in the text ("5.7.2"), else ""
  std::string text;    // reply text, header, address, transport:destination or words
};

// Parses one answer. Malformed: empty, BCC/REDIRECT without a user@domain address, FILTER without
// transport:destination, PREPEND without "name: value", an enhanced status code whose
// class contradicts the reply code. Case of the action word does not matter.
Result<AccessAnswer> parse_access_answer(std::string_view value);

}  // namespace tern::policy
