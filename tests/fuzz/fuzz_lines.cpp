// The small line-oriented inputs Tern parses: xtext (DSN parameters), control-socket
// requests, SASL client responses (PLAIN and LOGIN, base64), Dovecot auth-server lines
// TLS protocol lists, the SASL password file, access-table answers and sendmail -t's
// header parsing. The first byte picks the parser, the rest is its input.
// Invariants: no crash; xtext and control requests that parse survive a round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.hpp"
#include "cli/submission.hpp"
#include "policy/access.hpp"
#include "queue/control.hpp"
#include "sasl/dovecot_protocol.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/passwd_file.hpp"
#include "smtp/xtext.hpp"
#include "tls/protocols.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern;
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
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
    case 5:
      (void)sasl::parse_passwd(in, "sasl_passwd");
      break;
    case 6:  // an access table's answer (fuzz_access_answer checks what it promises)
      (void)policy::parse_access_answer(in);
      break;
    case 7: {  // sendmail -t: recipients from the headers, Bcc removed
      (void)cli::extract_recipients(in);
      auto without = cli::remove_bcc(in);
      (void)cli::split_message(without);
      break;
    }
  }
  return 0;
}
