// parse_queue_file; a file that parses re-encodes to one that parses to the same envelope.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "queue/queue_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::queue;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ParsedFile pf = parse_queue_file(in);
  if (pf.status != ParseStatus::ok) {
    if (pf.error.empty() && pf.status == ParseStatus::malformed) __builtin_trap();
    return 0;
  }
  const tern::Envelope& a = pf.message.envelope;
  // The file keeps arrival with six decimals; a value that does not survive that (a tiny
  // positive number, NaN, infinity) is out of scope for the round trip.
  double arrival = a.arrival;
  if (!(arrival >= 1e-6 && arrival < 1e15)) return 0;
  ParsedFile again = parse_queue_file(encode_queue_file(pf.message));
  if (again.status != ParseStatus::ok) __builtin_trap();
  const tern::Envelope& b = again.message.envelope;
  if (a.queue_id != b.queue_id || a.sender != b.sender ||
      fmt::format("{:.6f}", a.arrival) != fmt::format("{:.6f}", b.arrival) ||
      a.client.name != b.client.name || a.client.addr != b.client.addr ||
      a.client.port != b.client.port || a.client.helo != b.client.helo ||
      a.client.protocol != b.client.protocol || a.client.sasl_method != b.client.sasl_method ||
      a.client.sasl_username != b.client.sasl_username || a.envid != b.envid || a.ret != b.ret ||
      a.body_type != b.body_type || a.smtputf8 != b.smtputf8 ||
      a.recipients.size() != b.recipients.size() || pf.message.content != again.message.content)
    __builtin_trap();
  for (size_t i = 0; i < a.recipients.size(); ++i)
    if (a.recipients[i].address != b.recipients[i].address ||
        a.recipients[i].orcpt != b.recipients[i].orcpt ||
        a.recipients[i].notify != b.recipients[i].notify)
      __builtin_trap();
  return 0;
}
