// The SPF record and macro-string parsers, macro expansion, and check_host() over a
// record made of the input (served by an in-memory resolver that knows a few names).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dns/memory_resolver.hpp"
#include "spf/check.hpp"
#include "spf/macro.hpp"
#include "spf/record.hpp"

using namespace tern;

namespace {
spf::MacroValues values() {
  spf::MacroValues v;
  v.sender = "strong-bad@email.example.com";
  v.local_part = "strong-bad";
  v.sender_domain = "email.example.com";
  v.domain = "email.example.com";
  v.ip = *IpAddress::parse("2001:db8::cb01");
  v.helo = "mx.example.org";
  v.receiver = "mx.example.net";
  v.timestamp = 1;
  return v;
}

void must(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  static const spf::MacroValues v = values();
  for (auto use : {spf::MacroUse::domain_spec, spf::MacroUse::modifier, spf::MacroUse::explanation}) {
    auto m = spf::parse_macro_string(in, use);
    if (!m) continue;
    std::string s = spf::expand(*m, v);
    if (use == spf::MacroUse::domain_spec) {
      std::string d = spf::expand_domain(*m, v);
      must(d.empty() || d.back() != '.');
    }
  }
  auto r = spf::parse_record(in);
  if (r)
    for (const auto& d : r->directives) {
      must(d.cidr4 >= 0 && d.cidr4 <= 32 && d.cidr6 >= 0 && d.cidr6 <= 128);
      if (d.domain) (void)spf::expand_domain(*d.domain, v);
    }
  if (size > 2000) return 0;
  dns::MemoryResolver res;
  std::vector<std::string> parts;
  std::string record = "v=spf1 " + std::string(in);
  for (size_t i = 0; i < record.size(); i += 255) parts.push_back(record.substr(i, 255));
  res.add_txt("example.org", parts);
  (void)res.add("example.org", "A", "192.0.2.1");
  (void)res.add("example.org", "MX", "10 example.org");
  (void)res.add("1.2.0.192.in-addr.arpa", "PTR", "example.org");
  (void)res.add("inc.example.org", "TXT", "v=spf1 include:example.org ?all");
  auto q = spf::mail_from_query(*IpAddress::parse("192.0.2.1"), "a-b@example.org", "example.org");
  q.timestamp = 1;
  auto o = spf::check_host_blocking(res, q);
  must(o.verdict == spf::Verdict::fail || o.explanation.empty());
  return 0;
}
