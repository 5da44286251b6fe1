// Postfix protocol-list parsing (tls_protocol_mask() semantics, plus the 3.6 ">=" / "<="
// bounds) reduced to min/max versions and SSL_OP_NO_* holes for OpenSSL 3.
#include "tls/protocols.hpp"

#include <openssl/ssl.h>

#include <array>

#include "base/strings.hpp"

namespace tern::tls {
namespace {

struct Proto {
  std::string_view name;
  int version;  // 0 for SSLv2, which OpenSSL 3 cannot speak at all
  uint64_t no_option;
};

constexpr std::array<Proto, 6> kProtos{{
    {"SSLv2", 0, 0},
    {"SSLv3", SSL3_VERSION, SSL_OP_NO_SSLv3},
    {"TLSv1", TLS1_VERSION, SSL_OP_NO_TLSv1},
    {"TLSv1.1", TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
    {"TLSv1.2", TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
    {"TLSv1.3", TLS1_3_VERSION, SSL_OP_NO_TLSv1_3},
}};
constexpr unsigned kAll = (1u << kProtos.size()) - 1;

int index_of(std::string_view name) {
  for (size_t i = 0; i < kProtos.size(); ++i)
    if (iequals(kProtos[i].name, name)) return int(i);
  return -1;
}

Error unknown(std::string_view param, std::string_view tok) {
  return Error{std::string(param) + ": unknown TLS protocol \"" + std::string(tok) + "\""};
}

// Applies the tokens to a set of allowed protocols (bit i = kProtos[i]).
Result<unsigned> allowed_set(const std::vector<std::string_view>& toks, std::string_view param) {
  unsigned include = 0, exclude = 0, bounds = kAll;
  for (size_t i = 0; i < toks.size(); ++i) {
    std::string_view t = toks[i];
    if (t.starts_with(">=") || t.starts_with("<=")) {
      bool at_least = t[0] == '>';
      std::string_view name = t.substr(2);
      if (name.empty() && i + 1 < toks.size()) name = toks[++i];  // ">= TLSv1.2"
      int k = index_of(name);
      if (k < 0) return unknown(param, t.size() > 2 ? t : name);
      for (size_t j = 0; j < kProtos.size(); ++j)
        if (at_least ? int(j) < k : int(j) > k) bounds &= ~(1u << j);
    } else if (t.starts_with("!")) {
      int k = index_of(t.substr(1));
      if (k < 0) return unknown(param, t);
      exclude |= 1u << k;
    } else {
      int k = index_of(t);
      if (k < 0) return unknown(param, t);
      include |= 1u << k;
    }
  }
  unsigned allowed = include ? include : kAll;
  return allowed & ~exclude & bounds;
}

}  // namespace

Result<ProtocolRange> parse_protocols(const std::vector<std::string>& items,
                                      std::string_view param) {
  std::vector<std::string_view> toks;
  for (const auto& item : items)
    for (auto t : split_any(item, ", \t:")) toks.push_back(t);
  auto set = allowed_set(toks, param);
  if (!set) return set.error();
  unsigned allowed = *set & ~1u;  // SSLv2 does not exist in OpenSSL 3
  if (allowed == 0)
    return Error{std::string(param) + ": the list excludes every TLS protocol version"};
  int lo = 1, hi = int(kProtos.size()) - 1;
  while (!(allowed & (1u << lo))) ++lo;
  while (!(allowed & (1u << hi))) --hi;
  ProtocolRange r;
  r.min_version = lo == 1 ? 0 : kProtos[lo].version;
  r.max_version = hi == int(kProtos.size()) - 1 ? 0 : kProtos[hi].version;
  for (int i = lo + 1; i < hi; ++i)
    if (!(allowed & (1u << i))) r.disable_options |= kProtos[i].no_option;
  return r;
}

std::string_view protocol_name(int version) {
  for (const auto& p : kProtos)
    if (p.version == version && version != 0) return p.name;
  return "";
}

}  // namespace tern::tls
