// The DKIM tag-list parser and the two parsers built on it (DKIM-Signature, key record):
// no crash on any input, and what parses keeps its invariants.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dkim/key_record.hpp"
#include "dkim/signature.hpp"
#include "dkim/tags.hpp"
#include "dkim/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::dkim;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto t = TagList::parse(in);
  if (t.ok()) {
    size_t total = 0;
    for (const auto& [name, value] : t->tags()) {
      if (name.empty()) __builtin_trap();
      for (char c : value)
        if (c == ';') __builtin_trap();
      total += name.size() + value.size();
    }
    if (total > in.size()) __builtin_trap();
  }
  auto s = parse_signature(in);
  if (s.ok()) {
    if (s->domain.empty() || s->selector.empty() || s->signature.empty()) __builtin_trap();
    if (s->identity.find('@') == std::string::npos) __builtin_trap();
    (void)without_b_value(std::string("DKIM-Signature:") + std::string(in));
  }
  auto k = parse_key_record(in);
  if (k.ok()) (void)k->allows_email();
  return 0;
}
