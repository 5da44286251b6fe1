// Postfix's TLS protocol lists as an OpenSSL version range. Both syntaxes are accepted:
// exclusions and plain names ("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", separated by commas,
// spaces or colons) and Postfix 3.6 bounds (">=TLSv1.2", "<=TLSv1.3"), also mixed.
// An unknown protocol name is a configuration error naming the parameter.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::tls {

struct ProtocolRange {
  int min_version = 0;           // SSL_CTX_set_min_proto_version (0 = library lowest)
  int max_version = 0;           // SSL_CTX_set_max_proto_version (0 = library highest)
  uint64_t disable_options = 0;  // SSL_OP_NO_* for versions excluded inside the range
  bool operator==(const ProtocolRange&) const = default;
};

// `items` is the parameter's value as a list; `param` names it in errors.
Result<ProtocolRange> parse_protocols(const std::vector<std::string>& items,
                                      std::string_view param);

// "TLSv1.2" for TLS1_2_VERSION and so on; "" for versions Postfix has no name for.
std::string_view protocol_name(int version);

}  // namespace tern::tls
