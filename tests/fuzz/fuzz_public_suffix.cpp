// The Public Suffix List parser and matcher, and the Punycode decoder, on arbitrary
// input: a list that parses answers queries with a suffix of the name, and the
// registrable domain is one label longer than the public suffix.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dmarc/public_suffix.hpp"
#include "dmarc/punycode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::dmarc;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)label_to_unicode(in);
  auto psl = PublicSuffixList::parse(in);
  if (!psl) return 0;
  // Query with the input's own lines as names, and a few fixed ones.
  for (std::string_view name : {std::string_view("a.b.example.com"), std::string_view("www.ck"), in.substr(0, in.find('\n'))}) {
    auto suffix = psl->public_suffix(name);
    auto reg = psl->registrable_domain(name);
    if (reg && (!suffix || reg->size() <= suffix->size() || !reg->ends_with("." + *suffix))) __builtin_trap();
  }
  return 0;
}
