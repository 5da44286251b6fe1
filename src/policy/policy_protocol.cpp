// The policy delegation wire format; see policy_protocol.hpp.
#include "policy/policy_protocol.hpp"

#include "base/strings.hpp"

namespace tern::policy {

namespace {

bool bad_name(std::string_view name) {
  return name.empty() || name.find_first_of(std::string_view("=\r\n\0", 4)) != std::string_view::npos;
}

void append_value(std::string& out, std::string_view value) {
  for (char c : value) out += (c == '\r' || c == '\n' || c == '\0') ? '?' : c;
}

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    unsigned cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// Control characters other than HTAB (and DEL) may not appear in a reply line.
bool has_control(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) return true;
  }
  return false;
}

}  // namespace

Result<std::string> encode_policy_request(const PolicyRequest& request, std::string_view policy_context) {
  std::string out;
  out.reserve(1024);
  bool context_sent = false;
  for (const auto& [name, value] : request.attributes) {
    if (bad_name(name)) return Error{"bad policy request attribute name \"" + printable(name, 64) + "\""};
    out += name;
    out += '=';
    if (name == "policy_context") {
      append_value(out, policy_context);
      context_sent = true;
    } else {
      append_value(out, value);
    }
    out += '\n';
  }
  if (!context_sent && !policy_context.empty()) {
    out += "policy_context=";
    append_value(out, policy_context);
    out += '\n';
  }
  out += '\n';
  return out;
}

void PolicyReplyParser::reset() {
  line_.clear();
  action_.clear();
  error_.clear();
  total_ = 0;
  have_action_ = false;
  status_ = Status::need_more;
}

PolicyReplyParser::Step PolicyReplyParser::fail(std::string why, size_t consumed) {
  error_ = std::move(why);
  status_ = Status::error;
  return {Status::error, consumed};
}

// One complete attribute line (without its LF). False after recording why it is bad.
bool PolicyReplyParser::finish_line(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);  // tolerate CRLF servers
  if (has_control(line)) {
    error_ = "control character in reply: " + printable(line, 100);
    return false;
  }
  if (!valid_utf8(line)) {
    error_ = "invalid UTF-8 in reply: " + printable(line, 100);
    return false;
  }
  size_t eq = line.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    error_ = "reply line is not name=value: " + printable(line, 100);
    return false;
  }
  if (line.substr(0, eq) != "action" || have_action_) return true;  // ignored, as Postfix does
  std::string_view value = trim(line.substr(eq + 1));
  if (value.empty()) {
    error_ = "empty action in reply";
    return false;
  }
  action_ = std::string(value);
  have_action_ = true;
  return true;
}

PolicyReplyParser::Step PolicyReplyParser::feed(std::string_view bytes) {
  if (status_ != Status::need_more) return {status_, 0};
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t nl = bytes.find('\n', pos);
    size_t end = nl == std::string_view::npos ? bytes.size() : nl;
    size_t take = end - pos;
    if (line_.size() + take > line_limit) return fail("reply line longer than " + std::to_string(line_limit) + " bytes", end);
    if (total_ + take + 1 > reply_limit) return fail("reply longer than " + std::to_string(reply_limit) + " bytes", end);
    line_.append(bytes.substr(pos, take));
    total_ += take;
    if (nl == std::string_view::npos) return {Status::need_more, bytes.size()};
    pos = nl + 1;
    ++total_;
    if (line_.empty() || line_ == "\r") {  // the end of the reply
      if (!have_action_) return fail("reply without action= attribute", pos);
      status_ = Status::done;
      return {Status::done, pos};
    }
    bool ok = finish_line(line_);
    line_.clear();
    if (!ok) return fail(error_, pos);
  }
  return {Status::need_more, pos};
}

}  // namespace tern::policy
