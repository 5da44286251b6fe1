// DKIM-Signature parsing; see signature.hpp.
#include "dkim/signature.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"
#include "dkim/tags.hpp"
#include "sasl/base64.hpp"

namespace tern::dkim {

namespace {

Result<Algorithm> parse_algorithm(std::string_view a) {
  if (a == "rsa-sha256") return Algorithm::rsa_sha256;
  if (a == "ed25519-sha256") return Algorithm::ed25519_sha256;
  if (a == "rsa-sha1") return Algorithm::rsa_sha1;
  return Error{"unknown algorithm a=" + printable(a, 40)};
}

std::optional<uint64_t> parse_number(std::string_view s) {
  // 1*76DIGIT in the grammar; anything that does not fit in 63 bits is refused.
  if (s.empty() || s.size() > 18) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  return v;
}

Result<std::string> decode_b64(std::string_view tag, std::string_view v) {
  auto d = sasl::base64_decode(strip_fws(v));
  if (!d) return Error{fmt::format("{}= is not base64", tag)};
  return std::move(*d);
}

}  // namespace

std::string_view algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::rsa_sha1: return "rsa-sha1";
    case Algorithm::rsa_sha256: return "rsa-sha256";
    case Algorithm::ed25519_sha256: return "ed25519-sha256";
  }
  return "?";
}

bool is_rsa(Algorithm a) { return a != Algorithm::ed25519_sha256; }

bool within_domain(std::string_view sub, std::string_view domain) {
  if (iequals(sub, domain)) return true;
  return sub.size() > domain.size() + 1 && sub[sub.size() - domain.size() - 1] == '.' &&
         iequals(sub.substr(sub.size() - domain.size()), domain);
}

Result<Signature> parse_signature(std::string_view value) {
  auto tl = TagList::parse(value);
  if (!tl) return tl.error();
  Signature s;
  for (const char* required : {"v", "a", "b", "bh", "d", "h", "s"})
    if (!tl->find(required)) return Error{fmt::format("signature has no {}= tag", required)};
  if (*tl->find("v") != "1") return Error{"signature version is not v=1"};
  auto alg = parse_algorithm(*tl->find("a"));
  if (!alg) return alg.error();
  s.algorithm = *alg;
  auto b = decode_b64("b", *tl->find("b"));
  if (!b) return b.error();
  s.signature = std::move(*b);
  s.b_text = strip_fws(*tl->find("b"));
  auto bh = decode_b64("bh", *tl->find("bh"));
  if (!bh) return bh.error();
  s.body_hash = std::move(*bh);
  if (s.signature.empty() || s.body_hash.empty()) return Error{"empty b= or bh="};
  s.domain = std::string(*tl->find("d"));
  s.selector = std::string(*tl->find("s"));
  if (s.domain.empty() || s.selector.empty()) return Error{"empty d= or s="};
  std::string h = strip_fws(*tl->find("h"));
  for (auto n : split_any(h, ":")) s.headers.emplace_back(n);
  bool from = false;
  for (const auto& h : s.headers) from |= iequals(h, "from");
  if (!from) return Error{"From is not signed (h= has no from)"};
  if (auto c = tl->find("c")) {
    auto pc = parse_canon(*c);
    if (!pc) return pc.error();
    std::tie(s.header_canon, s.body_canon) = *pc;
  }
  s.identity = tl->find("i") ? std::string(*tl->find("i")) : "@" + s.domain;
  size_t at = s.identity.rfind('@');
  if (at == std::string::npos) return Error{"i= has no @"};
  if (!within_domain(std::string_view(s.identity).substr(at + 1), s.domain))
    return Error{"i= is not within d= (domain mismatch)"};
  if (auto q = tl->find("q")) {
    bool dns = false;
    std::string methods = strip_fws(*q);
    for (auto m : split_any(methods, ":")) dns |= m == "dns/txt";
    if (!dns) return Error{"q= offers no dns/txt"};
  }
  struct Num {
    const char* tag;
    std::optional<uint64_t>* out;
  };
  std::optional<uint64_t> l, t, x;
  for (Num n : {Num{"l", &l}, Num{"t", &t}, Num{"x", &x}})
    if (auto v = tl->find(n.tag)) {
      *n.out = parse_number(*v);
      if (!*n.out) return Error{fmt::format("{}= is not a number", n.tag)};
    }
  s.length = l;
  if (t) s.timestamp = int64_t(*t);
  if (x) s.expiration = int64_t(*x);
  if (t && x && *x < *t) return Error{"x= is before t="};
  return s;
}

}  // namespace tern::dkim
