// The wire format of Postfix's SMTPD access policy delegation (SMTPD_POLICY_README):
// a request is "name=value" lines ended by an empty line; the server answers with
// "name=value" lines ended by an empty line, of which the first "action=" is the answer
// (an access(5) action) and any other attribute is ignored, as Postfix's attr_scan_plain
// does. Exposes encode_policy_request() and PolicyReplyParser, an incremental parser that
// does no I/O. Used by the check_policy_service client (policy_service.hpp).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "policy/delegate.hpp"

namespace tern::policy {

// The request as it goes on the wire. `policy_context` is the service's own setting
// (smtpd_policy_service_policy_context or the per-service policy_context=) and replaces
// the request's value of that attribute. A value may not break the framing: CR, LF and
// NUL in it are sent as '?', so an attribute never turns into two lines. A name that is
// empty or holds '=', CR, LF or NUL is a caller's bug and makes the result an Error.
Result<std::string> encode_policy_request(const PolicyRequest& request, std::string_view policy_context);

// The answer of one policy server reply. Feed it bytes as they arrive; it stops at the
// empty line that ends the reply.
class PolicyReplyParser {
 public:
  enum class Status { need_more, done, error };
  struct Step {
    Status status;
    size_t consumed;  // bytes of the input that belong to this reply
  };

  // Limits with safe defaults: one attribute line and the whole reply.
  size_t line_limit = 4096;
  size_t reply_limit = 16384;

  // Consumes bytes up to and including the reply's terminating empty line. After done or
  // error, call reset() before the next reply.
  Step feed(std::string_view bytes);
  // The first action= value (done only).
  const std::string& action() const { return action_; }
  // Why the reply is malformed (error only): no action, an overlong line or reply, a byte
  // that may not appear (NUL, control characters, invalid UTF-8), a line without '='.
  const std::string& error() const { return error_; }
  void reset();

 private:
  Step fail(std::string why, size_t consumed);
  bool finish_line(std::string_view line);

  std::string line_;
  std::string action_;
  std::string error_;
  size_t total_ = 0;
  bool have_action_ = false;
  Status status_ = Status::need_more;
};

}  // namespace tern::policy
