// Whole-message verification: any message, every key record it asks for answered (a fixed
// Ed25519 or RSA key, a revoked key, or a record the fuzzer's bytes choose), so the
// signature parser, header selection, b= removal, both canonicalizations and the crypto
// calls all see hostile input. Every signature gets exactly one result.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dkim/verify.hpp"
#include "dns/rdata.hpp"

namespace {

tern::dns::Answer txt(std::string_view record) {
  tern::dns::Answer a;
  a.outcome = tern::dns::Outcome::data;
  auto w = tern::dns::encode_txt({std::string(record.substr(0, 255))});
  if (w.ok()) a.rdata.push_back(*w);
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::dkim;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  VerifyOptions opt;
  opt.now = 1700000000;
  opt.allow_rsa_sha1 = size % 2;
  Verifier v(in, opt);
  size_t n = 0;
  for (const auto& name : v.key_names()) {
    switch (n++ % 4) {
      case 0: v.add_key(name, txt("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")); break;
      case 1: v.add_key(name, txt("v=DKIM1; p=")); break;
      case 2: v.add_key(name, txt(in.substr(0, 200))); break;
      default: {
        tern::dns::Answer a;
        a.outcome = tern::dns::Outcome::temporary;
        v.add_key(name, a);
      }
    }
  }
  size_t sigs = 0;
  for (const auto& r : v.results()) {
    ++sigs;
    if (r.result == Outcome::pass && r.domain.empty()) __builtin_trap();
  }
  if (sigs > size) __builtin_trap();
  return 0;
}
