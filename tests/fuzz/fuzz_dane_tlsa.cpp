// TLSA record data off the network through everything DANE does with it: the RDATA decoder,
// the usability check (which parses exact certificates and keys with d2i_*), RFC 7672's
// per-host decision, and SSL_dane_tlsa_add on a real SSL. Input: records separated by the
// byte 0xff 0x00 (each one TLSA RDATA: usage, selector, matching type, data).
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "delivery/smtp/dane.hpp"
#include "tls/dane.hpp"

using namespace tern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const tls::DaneDigests digests = *tls::parse_dane_digests({"sha512", "sha256"});
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    (void)tls::enable_dane(c, digests);
    return c;
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  delivery::smtp::TlsaLookup lookup;
  lookup.base_domain = "mx.example.org";
  lookup.answer.outcome = dns::Outcome::data;
  lookup.answer.security = dns::Security::secure;
  for (size_t start = 0; start <= in.size();) {
    size_t sep = in.find(std::string_view("\xff\x00", 2), start);
    size_t end = sep == std::string_view::npos ? in.size() : sep;
    lookup.answer.rdata.emplace_back(in.substr(start, end - start));
    if (sep == std::string_view::npos) break;
    start = sep + 2;
  }
  delivery::smtp::DaneHost host{"mx.example.org", "", 25, true, true};
  auto d = delivery::smtp::decide(delivery::smtp::TlsLevel::dane, host, delivery::smtp::InsecureMxPolicy::may, &lookup, digests);
  if (d.level == delivery::smtp::TlsLevel::dane) {
    SSL* ssl = SSL_new(ctx);
    (void)tls::arm_dane(ssl, d.base_domain, {"example.org"}, d.records);
    SSL_free(ssl);
  }
  return 0;
}
