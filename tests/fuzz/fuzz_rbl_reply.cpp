// The DNS list words' parsers: "domain=filter" arguments through parse_list_domain() and
// reply templates through rbl_reply(). Input: the list argument, a newline, the template
// (what follows a second newline is the TXT reason, as a list could serve it).
// Invariants: no crash; an accepted filter matches no IPv6 address and is total on the
// octet ranges it was given; an accepted reply is a 4xx/5xx single line whose enhanced
// status, when the template gave one, has the reply's class.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/dnsbl.hpp"

using namespace tern;
using namespace tern::policy;

namespace {
void must(bool ok) {
  if (!ok) __builtin_trap();
}

std::string_view take_line(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  return line;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view arg = take_line(in);
  std::string_view tmpl = take_line(in);
  auto l = parse_list_domain(arg);
  if (!l) {
    must(!l.error().message.empty());
  } else {
    must(!l->domain.empty() && l->domain.size() <= 253);
    if (l->filter) {
      must(!l->filter->matches(*IpAddress::parse("::1")));
      for (const auto& o : l->filter->octets) {
        must(!o.empty());
        for (const auto& [lo, hi] : o) must(lo <= hi);
      }
    }
    auto q = domain_query("example.org", l->domain);
    if (q) must(q->size() <= 253);
    must(!address_query(*IpAddress::parse("192.0.2.1"), l->domain).empty());
  }
  RblFacts f;
  f.rbl_class = kClientClass;
  f.what = f.client_address = "192.0.2.1";
  f.domain = l ? l->domain : "bl.example";
  f.reason = std::string(in);
  f.sender = "a@b.example";
  auto r = rbl_reply(tmpl, f);
  if (!r) {
    must(!r.error().message.empty());
    return 0;
  }
  must(r->code >= 400 && r->code <= 599);
  must(r->text.find('\n') == std::string::npos && r->text.find('\r') == std::string::npos);
  std::string wire = r->wire();
  must(wire.size() > 4 && wire[0] == char('0' + r->code / 100));
  must(wire[4] == wire[0]);  // the enhanced status has the reply's class
  must(wire.find("\r\n") == wire.size() - 2);
  return 0;
}
