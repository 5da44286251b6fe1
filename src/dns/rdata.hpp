// Record data in wire form (RFC 1035 §3.3, RFC 3596, RFC 6698) to and from values.
// Decoding is strict: a record whose RDATA does not parse is an Error, never guessed at,
// because the bytes come off the network. Encoding builds the RDATA that the in-memory
// resolver and the tests hand out, so both directions share one definition of the format.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/net.hpp"
#include "base/result.hpp"
#include "dns/answer.hpp"

namespace tern::dns {

struct Mx {
  uint16_t preference = 0;
  std::string host;  // lower case, no trailing dot; "" for the null MX "." (RFC 7505)
};

struct Tlsa {
  uint8_t usage = 0;     // 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE
  uint8_t selector = 0;  // 0 full certificate, 1 SubjectPublicKeyInfo
  uint8_t mtype = 0;     // 0 exact, 1 SHA2-256, 2 SHA2-512
  std::string data;      // the association data, raw bytes
};

// One record's RDATA.
Result<IpAddress> decode_a(std::string_view rdata);
Result<IpAddress> decode_aaaa(std::string_view rdata);
Result<std::string> decode_name(std::string_view rdata);  // PTR, CNAME, NS: "host.example"
Result<Mx> decode_mx(std::string_view rdata);
// A TXT record's character-strings in order (RFC 7208 §3.3 joins them without spaces).
Result<std::vector<std::string>> decode_txt(std::string_view rdata);
Result<Tlsa> decode_tlsa(std::string_view rdata);

// Every record of an answer; the first malformed record makes the whole answer an Error.
Result<std::vector<IpAddress>> addresses(const Answer& a);  // A or AAAA records
Result<std::vector<Mx>> mx_records(const Answer& a);        // as served, not sorted
Result<std::vector<std::string>> txt_strings(const Answer& a);  // each record joined
Result<std::vector<std::string>> names(const Answer& a);    // PTR/CNAME/NS
Result<std::vector<Tlsa>> tlsa_records(const Answer& a);

// Encoders. Names are presentation form without escapes ("mx.example.org", trailing dot
// optional); an invalid name (empty label, label over 63, name over 255) is an Error.
Result<std::string> encode_name(std::string_view name);
std::string encode_address(const IpAddress& a);  // 4 bytes for v4, 16 for v6
Result<std::string> encode_mx(uint16_t preference, std::string_view host);
Result<std::string> encode_txt(const std::vector<std::string>& strings);  // each <= 255 bytes
std::string encode_tlsa(const Tlsa& t);

// Presentation helpers for logs and `tern check`: "example.org" for a wire name, hex data.
std::string to_hex(std::string_view bytes);

// The reverse-lookup name for an address: 4.3.2.1.in-addr.arpa, or the ip6.arpa nibbles.
std::string reverse_name(const IpAddress& a);

}  // namespace tern::dns
