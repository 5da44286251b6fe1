// The smtp client's parsers: server replies (ReplyParser fed the input in two pieces,
// with invariants on what it consumed and returned), EHLO keyword parsing, TLS policy
// table entries and nexthops, one per input line for the last three.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "delivery/smtp/nexthop.hpp"
#include "delivery/smtp/reply.hpp"
#include "delivery/smtp/session.hpp"
#include "delivery/smtp/tls_policy.hpp"

using namespace tern::delivery::smtp;

static void replies(std::string_view in) {
  ReplyParser p(512, 50);
  size_t split = in.empty() ? 0 : static_cast<unsigned char>(in[0]) % (in.size() + 1);
  std::string_view parts[2] = {in.substr(0, split), in.substr(split)};
  for (std::string_view part : parts) {
    while (!part.empty()) {
      ParseStep s = p.feed(part);
      if (s.consumed > part.size()) __builtin_trap();
      part.remove_prefix(s.consumed);
      if (s.error == ReplyError::none) {
        ServerReply r = p.take();
        if (r.code < 200 || r.code > 599 || r.lines.empty() || r.lines.size() > 50) __builtin_trap();
        if (r.status().size() < 5 || r.status()[0] != char('0' + r.code / 100)) __builtin_trap();
        (void)r.text();
        (void)parse_ehlo(r, {});
      } else if (s.error == ReplyError::need_more) {
        if (!part.empty()) __builtin_trap();
      } else {
        p.reset();
        if (s.consumed == 0 && !part.empty()) part.remove_prefix(1);
      }
    }
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  replies(in);
  while (!in.empty()) {
    size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    auto pol = parse_policy_entry(line);
    if (pol && pol->match.size() > line.size()) __builtin_trap();
    for (bool lmtp : {false, true}) {
      auto n = parse_nexthop(line, "smtp", lmtp);
      if (n && (n->port < 1 || n->port > 65535)) __builtin_trap();
      if (n) {
        (void)n->key();
        (void)lookup_keys(line, *n);
      }
    }
  }
  return 0;
}
