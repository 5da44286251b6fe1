// The Public Suffix List parser and matcher, and Punycode both ways, on arbitrary
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
  // A non-ASCII label encodes to an A-label that decodes back (ASCII lower-cased).
  bool ascii = true;
  for (unsigned char c : in) ascii = ascii && c < 0x80;
  if (!ascii && in.find('.') == std::string_view::npos) {
    if (auto a = domain_to_ascii(in)) {
      auto back = label_to_unicode(*a);
      std::string expected;
      for (char c : in) expected += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      if (!back || *back != expected) __builtin_trap();
    }
  }
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
