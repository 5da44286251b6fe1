// The small line-oriented inputs Tern parses: xtext (DSN parameters), control-socket
// requests, SASL client responses (PLAIN and LOGIN, base64), Dovecot auth-server lines
// and TLS protocol lists. The first byte picks the parser, the rest is its input.
// Invariants: no crash; xtext and control requests that parse survive a round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.hpp"
#include "queue/control.hpp"
#include "sasl/dovecot_protocol.hpp"
#include "sasl/mechanism.hpp"
#include "smtp/xtext.hpp"
#include "tls/protocols.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern;
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      if (auto x = smtp::decode_xtext(in); x.ok()) {
        auto back = smtp::decode_xtext(smtp::encode_xtext(*x));
        if (!back.ok() || *back != *x) __builtin_trap();
      }
      break;
    case 1:
      if (auto r = queue::parse_control(in); r.ok()) {
        auto again = queue::parse_control(queue::encode_control(*r));
        if (!again.ok() || again->verb != r->verb || again->arg != r->arg) __builtin_trap();
      }
      break;
    case 2: {  // a SASL exchange: each line is one client response
      auto lines = split_any(in, "\n");
      for (const char* mech : {"PLAIN", "LOGIN"}) {
        auto m = sasl::make_mechanism(mech);
        if (!m) __builtin_trap();
        auto step = m->start(lines.empty() ? std::nullopt : std::optional<std::string_view>(lines[0]));
        for (size_t i = 1; i < lines.size() && step.kind == sasl::Step::Kind::challenge; ++i)
          step = m->respond(lines[i]);
      }
      break;
    }
    case 3: {  // what a Dovecot auth server may send
      sasl::dovecot::Handshake hs;
      for (auto line : split_any(in, "\n")) {
        hs.feed(line);
        bool malformed = false;
        (void)sasl::dovecot::parse_reply(line, &malformed);
      }
      break;
    }
    case 4: {
      std::vector<std::string> items;
      for (auto w : split_any(in, ", :")) items.emplace_back(w);
      (void)tls::parse_protocols(items, "smtpd_tls_protocols");
      break;
    }
  }
  return 0;
}
