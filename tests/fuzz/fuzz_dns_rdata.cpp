// The DNS record-data decoders (dns/rdata.hpp) and their presentation form (dns/present.hpp)
// over bytes as a DNS server could send them. The first byte picks the record type, the
// rest is the RDATA. Checks: decoding never crashes; present() succeeds exactly when the
// decoder does; whatever decodes, encodes back to RDATA that decodes to the same value; an
// Answer made of length-prefixed records goes through the whole-answer helpers.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "dns/present.hpp"
#include "dns/rdata.hpp"

namespace {

using namespace tern::dns;

constexpr Type kTypes[] = {Type::A, Type::AAAA, Type::MX, Type::TXT, Type::PTR, Type::CNAME, Type::NS, Type::TLSA};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void round_trip(Type t, std::string_view rdata) {
  switch (t) {
    case Type::A:
    case Type::AAAA: {
      auto a = t == Type::A ? decode_a(rdata) : decode_aaaa(rdata);
      if (a) check(encode_address(*a) == rdata);
      break;
    }
    case Type::MX: {
      auto m = decode_mx(rdata);
      if (!m) break;
      auto again = encode_mx(m->preference, m->host.empty() ? "." : m->host);
      if (again) {  // a label holding dots may not re-encode; when it does, it decodes alike
        auto m2 = decode_mx(*again);
        check(m2 && m2->preference == m->preference && m2->host == m->host);
      }
      break;
    }
    case Type::TXT: {
      auto parts = decode_txt(rdata);
      if (parts) check(*encode_txt(*parts) == rdata);
      break;
    }
    case Type::TLSA: {
      auto r = decode_tlsa(rdata);
      if (r) check(encode_tlsa(*r) == rdata);
      break;
    }
    default: {
      auto n = decode_name(rdata);
      if (!n) break;
      auto again = encode_name(*n);
      if (again) check(decode_name(*again).ok() && *decode_name(*again) == *n);
    }
  }
}

bool decodes(Type t, std::string_view rdata) {
  switch (t) {
    case Type::A: return decode_a(rdata).ok();
    case Type::AAAA: return decode_aaaa(rdata).ok();
    case Type::MX: return decode_mx(rdata).ok();
    case Type::TXT: return decode_txt(rdata).ok();
    case Type::TLSA: return decode_tlsa(rdata).ok();
    default: return decode_name(rdata).ok();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Type t = kTypes[data[0] % std::size(kTypes)];
  std::string_view rdata(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto text = present(t, rdata);
  check(text.ok() == decodes(t, rdata));
  if (text) for (unsigned char c : *text) check(c >= 0x20 && c < 0x7f);
  round_trip(t, rdata);

  // The same bytes as an answer: records of one length byte each, then their data.
  Answer a;
  a.outcome = Outcome::data;
  for (size_t pos = 0; pos < rdata.size();) {
    size_t len = static_cast<unsigned char>(rdata[pos++]);
    a.rdata.emplace_back(rdata.substr(pos, len));
    pos += len;
  }
  (void)addresses(a);
  (void)mx_records(a);
  (void)txt_strings(a);
  (void)names(a);
  (void)tlsa_records(a);
  return 0;
}
