// AUTH replies; see reply.hpp.
#include "sasl/reply.hpp"

namespace tern::sasl {

std::string printable(std::string_view text, size_t max) {
  std::string out(text.substr(0, max));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return out;
}

namespace {

std::string reason_text(std::string_view detail) {
  return detail.empty() ? std::string("(reason unavailable)") : printable(detail);
}

}  // namespace

Reply make_reply(ReplyKind kind, std::string_view detail) {
  switch (kind) {
    case ReplyKind::challenge: return {kind, 334, "", printable(detail, 1u << 20)};
    case ReplyKind::success: return {kind, 235, "2.7.0", "Authentication successful"};
    case ReplyKind::failed:
      return {kind, 535, "5.7.8", "Error: authentication failed: " + reason_text(detail)};
    case ReplyKind::tempfail:
      return {kind, 454, "4.7.0", "Temporary authentication failure: " + reason_text(detail)};
    case ReplyKind::unrecognized_mechanism:
      return {kind, 504, "5.5.4", "Unrecognized authentication type"};
    case ReplyKind::encryption_required:
      return {kind, 504, "5.5.4", "Encryption required for requested authentication mechanism"};
    case ReplyKind::already_authenticated:
      return {kind, 503, "5.5.1", "Error: already authenticated"};
    case ReplyKind::not_enabled: return {kind, 503, "5.5.1", "Error: authentication not enabled"};
    case ReplyKind::in_transaction:
      return {kind, 503, "5.5.1", "Error: MAIL transaction in progress"};
    case ReplyKind::syntax: return {kind, 501, "5.5.4", "Syntax: AUTH mechanism"};
    case ReplyKind::aborted: return {kind, 501, "5.7.0", "Authentication aborted"};
    case ReplyKind::bad_base64:
      return {kind, 501, "5.5.2", "Invalid base64 data in " + reason_text(detail)};
    case ReplyKind::response_too_long:
      return {kind, 500, "5.5.6", "SASL response limit exceeded"};
  }
  return {ReplyKind::tempfail, 454, "4.7.0", "Temporary authentication failure: internal error"};
}

std::string Reply::wire() const {
  std::string out = std::to_string(code);
  out += ' ';
  if (!enhanced.empty()) {
    out += enhanced;
    out += ' ';
  }
  out += text;
  out += "\r\n";
  return out;
}

}  // namespace tern::sasl
