#include "sts/http_reply.hpp"

#include <fmt/format.h>

#include <optional>

#include "base/strings.hpp"

namespace tern::sts {

std::string policy_request(std::string_view policy_host) {
  return fmt::format("GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: Tern MTA-STS\r\n"
                     "Accept: text/plain\r\nConnection: close\r\n\r\n",
                     kPolicyPath, policy_host);
}

Result<std::string> policy_body(std::string_view reply, bool closed, size_t limit, ReplyState* state) {
  *state = ReplyState::incomplete;
  size_t head_end = reply.find("\r\n\r\n");
  size_t sep = 4;
  if (head_end == std::string_view::npos) {
    head_end = reply.find("\n\n");
    sep = 2;
  }
  if (head_end == std::string_view::npos) {
    if (reply.size() > 16384) return Error{"HTTP reply header too long"};
    if (closed) return Error{"connection closed before the end of the HTTP reply header"};
    return std::string();
  }
  std::string_view head = reply.substr(0, head_end);
  std::string_view body = reply.substr(head_end + sep);

  // Status line: HTTP/1.x SP 3DIGIT SP reason
  size_t eol = head.find('\n');
  std::string_view status = head.substr(0, eol);
  if (!status.empty() && status.back() == '\r') status.remove_suffix(1);
  if (status.substr(0, 7) != "HTTP/1." || status.size() < 12 || status[8] != ' ')
    return Error{fmt::format("not an HTTP reply: {}", printable(status, 60))};
  std::string_view code = status.substr(9, 3);
  if (code != "200") {
    if (code[0] == '3') return Error{fmt::format("HTTP {}: redirects are not followed", code)};
    return Error{fmt::format("HTTP status {}", printable(status.substr(9), 60))};
  }

  std::string_view headers = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
  bool text_plain = false;
  std::optional<long long> length;
  while (!headers.empty()) {
    size_t nl = headers.find('\n');
    std::string_view line = headers.substr(0, nl);
    headers.remove_prefix(nl == std::string_view::npos ? headers.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return Error{fmt::format("bad HTTP header line: {}", printable(line, 60))};
    std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Type")) {
      std::string_view type = trim(value.substr(0, value.find(';')));
      text_plain = iequals(type, "text/plain");
      if (!text_plain) return Error{fmt::format("media type {} is not text/plain", printable(type, 60))};
    } else if (iequals(name, "Content-Length")) {
      auto n = parse_int(value);
      if (!n || *n < 0) return Error{fmt::format("bad Content-Length: {}", printable(value, 30))};
      if (length && *length != *n) return Error{"conflicting Content-Length headers"};
      length = *n;
    } else if (iequals(name, "Transfer-Encoding")) {
      return Error{"HTTP transfer codings are not accepted in a reply to HTTP/1.0"};
    }
  }
  if (!text_plain) return Error{"no Content-Type: text/plain"};
  if (length && size_t(*length) > limit)
    return Error{fmt::format("policy of {} bytes is over the limit of {}", *length, limit)};
  if (body.size() > limit) return Error{fmt::format("policy is over the limit of {} bytes", limit)};
  if (length) {
    if (body.size() < size_t(*length)) {
      if (closed) return Error{"connection closed before the end of the policy"};
      return std::string();
    }
    body = body.substr(0, size_t(*length));
  } else if (!closed) {
    return std::string();  // the body ends when the server closes
  }
  *state = ReplyState::complete;
  return std::string(body);
}

}  // namespace tern::sts
