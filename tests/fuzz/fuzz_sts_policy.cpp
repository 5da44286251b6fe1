// MTA-STS input from the network: the _mta-sts TXT record, the HTTP reply of a policy
// fetch and the policy file; and a disk cache entry, which may be damaged. Whatever they hold, parsing ends in a value or an error; a
// policy that parses formats to text that parses to the same policy, and the HTTP reader
// never returns a body larger than its limit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sts/cache.hpp"
#include "sts/http_reply.hpp"
#include "sts/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace tern::sts;
  auto r = parse_record(in);
  if (r.ok() && (r->id.empty() || r->id.size() > 32)) __builtin_trap();

  auto p = parse_policy(in);
  if (p.ok()) {
    auto again = parse_policy(format_policy(*p));
    if (!again.ok() || again->mode != p->mode || again->mx != p->mx || again->max_age != p->max_age)
      __builtin_trap();
    for (const auto& m : p->mx) (void)mx_allowed(*p, m.substr(m.rfind('*') == 0 ? 2 : 0));
  }
  auto e = parse_entry(in);
  if (e.ok()) {
    auto again = parse_entry(format_entry(*e));
    if (!again.ok() || again->id != e->id || again->fetched != e->fetched || again->policy.mx != e->policy.mx)
      __builtin_trap();
  }
  for (bool closed : {false, true}) {
    ReplyState st;
    auto b = policy_body(in, closed, 4096, &st);
    if (b.ok() && b->size() > 4096) __builtin_trap();
    if (b.ok() && st == ReplyState::incomplete && !b->empty()) __builtin_trap();
  }
  return 0;
}
