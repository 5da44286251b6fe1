// A policy server's reply (SMTPD_POLICY_README): whatever the bytes, the parser ends in
// need_more, done or error; it never consumes more than it is given, never accepts a line
// or reply over its limits, and gives the same answer whether the bytes come at once or
// split at any point. A request encoded from the input's lines never has more lines
// than attributes (values cannot break the framing).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/policy_protocol.hpp"

using tern::policy::PolicyReplyParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  PolicyReplyParser whole;
  whole.line_limit = 512;
  whole.reply_limit = 2048;
  auto a = whole.feed(in);
  if (a.consumed > in.size()) __builtin_trap();
  if (a.status == PolicyReplyParser::Status::done &&
      (whole.action().empty() || whole.action().size() > whole.line_limit))
    __builtin_trap();

  size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  PolicyReplyParser split;
  split.line_limit = 512;
  split.reply_limit = 2048;
  auto b = split.feed(in.substr(0, cut));
  size_t consumed = b.consumed;
  if (b.status == PolicyReplyParser::Status::need_more) {
    b = split.feed(in.substr(cut));
    consumed += b.consumed;
  }
  if (b.status != a.status) __builtin_trap();
  if (a.status == PolicyReplyParser::Status::done && (consumed != a.consumed || split.action() != whole.action()))
    __builtin_trap();

  tern::policy::PolicyRequest req;
  size_t pos = 0;
  while (pos < in.size() && req.attributes.size() < 64) {
    size_t nl = in.find('\n', pos);
    std::string_view line = in.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    req.attributes.emplace_back("attr" + std::to_string(req.attributes.size()), std::string(line));
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  std::string_view context = in.substr(0, 16);
  auto wire = tern::policy::encode_policy_request(req, context);
  if (!wire.ok()) __builtin_trap();
  size_t lines = 0;
  for (char c : *wire) lines += c == '\n';
  // one per attribute, one for policy_context when set, the empty line
  if (lines != req.attributes.size() + (context.empty() ? 0 : 1) + 1) __builtin_trap();
  return 0;
}
