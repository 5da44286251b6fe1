// The signing and key tables; see signing_policy.hpp.
#include "dkim/signing_policy.hpp"

#include "base/strings.hpp"

namespace tern::dkim {

Result<std::shared_ptr<SigningPolicy>> SigningPolicy::make(const config::Params& p, const maps::OpenContext& ctx) {
  auto pol = std::make_shared<SigningPolicy>();
  auto st = maps::MapList::open(p.dkim_signing_table, ctx);
  if (!st) return Error{"dkim_signing_table: " + st.error().message};
  auto kt = maps::MapList::open(p.dkim_key_table, ctx);
  if (!kt) return Error{"dkim_key_table: " + kt.error().message};
  if (!st->empty() && kt->empty()) return Error{"dkim_signing_table is set but dkim_key_table is empty"};
  pol->signing_ = std::move(*st);
  pol->keys_ = std::move(*kt);
  auto canon = parse_canon(p.dkim_canonicalization);
  if (!canon) return Error{"dkim_canonicalization: " + canon.error().message};
  std::tie(pol->options_.header_canon, pol->options_.body_canon) = *canon;
  for (const auto& h : p.dkim_sign_headers) pol->options_.headers.push_back(lower(h));
  for (const auto& h : p.dkim_oversign_headers) pol->options_.oversign.push_back(lower(h));
  bool from = false;
  for (const auto& h : pol->options_.headers) from |= h == "from";
  if (!from) return Error{"dkim_sign_headers must include from (RFC 6376 §5.4)"};
  pol->options_.ttl = int64_t(p.dkim_signature_ttl.count());
  return pol;
}

Result<std::vector<SigningKey>> SigningPolicy::keys_for(std::string_view address) const {
  std::vector<SigningKey> out;
  size_t at = address.rfind('@');
  if (!enabled() || at == std::string_view::npos) return out;
  std::string domain = lower(address.substr(at + 1));
  auto hit = signing_.lookup(address);
  if (hit && !*hit) hit = signing_.lookup(domain, true);
  for (size_t dot = domain.find('.'); hit && !*hit && dot != std::string::npos; dot = domain.find('.', dot + 1))
    hit = signing_.lookup(domain.substr(dot), true);
  if (!hit) return Error{"dkim_signing_table: " + hit.error().message};
  if (!*hit) return out;
  for (const auto& name : split_list((*hit)->value)) {
    auto k = key_named(name, domain);
    if (!k) return k.error();
    out.push_back(std::move(*k));
  }
  return out;
}

Result<SigningKey> SigningPolicy::key_named(const std::string& name, std::string_view sender_domain) const {
  auto v = keys_.find(name);
  if (!v) return Error{"dkim_key_table: " + v.error().message};
  if (!*v) return Error{"dkim_key_table has no key named \"" + name + "\""};
  std::string_view entry = trim(**v);
  size_t c1 = entry.find(':'), c2 = c1 == std::string_view::npos ? c1 : entry.find(':', c1 + 1);
  if (c2 == std::string_view::npos || c1 == 0 || c2 == c1 + 1 || c2 + 1 == entry.size())
    return Error{"dkim_key_table: \"" + name + "\" is not domain:selector:/path/to/key"};
  SigningKey k;
  k.domain = std::string(entry.substr(0, c1));
  if (k.domain == "%") k.domain = std::string(sender_domain);
  k.selector = std::string(entry.substr(c1 + 1, c2 - c1 - 1));
  std::string path(entry.substr(c2 + 1));
  std::lock_guard lock(mu_);
  if (auto it = loaded_.find(path); it != loaded_.end()) {
    k.key = it->second;
    return k;
  }
  auto key = load_private_key(path);
  if (!key) return Error{"dkim key \"" + name + "\": " + key.error().message};
  k.key = loaded_[path] = *key;
  return k;
}

}  // namespace tern::dkim
