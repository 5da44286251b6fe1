// TLS policy entries and levels; see tls_policy.hpp.
#include "delivery/smtp/tls_policy.hpp"

#include "base/strings.hpp"

namespace tern::delivery::smtp {

std::string_view level_name(TlsLevel l) {
  switch (l) {
    case TlsLevel::none: return "none";
    case TlsLevel::may: return "may";
    case TlsLevel::encrypt: return "encrypt";
    case TlsLevel::dane: return "dane";
    case TlsLevel::dane_only: return "dane-only";
    case TlsLevel::fingerprint: return "fingerprint";
    case TlsLevel::verify: return "verify";
    case TlsLevel::secure: return "secure";
  }
  return "none";
}

std::optional<TlsLevel> parse_level(std::string_view text) {
  static const TlsLevel all[] = {TlsLevel::none,        TlsLevel::may,    TlsLevel::encrypt, TlsLevel::dane,
                                 TlsLevel::dane_only,   TlsLevel::fingerprint, TlsLevel::verify, TlsLevel::secure};
  for (TlsLevel l : all)
    if (iequals(text, level_name(l))) return l;
  return std::nullopt;
}

Result<TlsPolicy> parse_policy_entry(std::string_view value) {
  auto words = split_any(value, " \t\r\n");
  if (words.empty()) return Error{"empty TLS policy"};
  TlsPolicy p;
  p.from_table = true;
  auto level = parse_level(words[0]);
  if (!level) return Error{"invalid TLS security level \"" + printable(words[0], 64) + "\""};
  p.level = *level;
  for (size_t i = 1; i < words.size(); ++i) {
    std::string_view w = words[i];
    auto eq = w.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return Error{"malformed TLS policy attribute \"" + printable(w, 64) + "\" (expected name=value)"};
    std::string name = lower(w.substr(0, eq));
    std::string_view v = w.substr(eq + 1);
    if (v.empty()) return Error{"empty value for TLS policy attribute \"" + name + "\""};
    auto list = [&] {
      std::vector<std::string> out;
      for (auto piece : split_any(v, ":")) out.emplace_back(piece);
      return out;
    };
    if (name == "match") {
      if (p.level != TlsLevel::verify && p.level != TlsLevel::secure && p.level != TlsLevel::fingerprint)
        return Error{"match= is not valid at level " + std::string(level_name(p.level))};
      for (auto& m : list()) p.match.push_back(lower(m));
    } else if (name == "protocols") {
      p.protocols = list();
    } else if (name == "ciphers") {
      p.ciphers = std::string(v);
    } else if (name == "exclude") {
      p.exclude = list();
    } else if (name == "servername") {
      p.servername = std::string(v);
    } else if (name == "tafile" || name == "connection_reuse" || name == "enable_rpk") {
      // Known to Postfix; accepted and not used yet.
    } else {
      return Error{"unknown TLS policy attribute \"" + printable(name, 64) + "\""};
    }
  }
  return p;
}

std::vector<std::string> lookup_keys(std::string_view nexthop_text, const Nexthop& n) {
  std::vector<std::string> keys;
  std::string text = lower(trim(nexthop_text));
  keys.push_back(text);
  if (n.kind != Nexthop::inet) return keys;
  std::string k = n.key();
  if (k != text) keys.push_back(k);
  if (!n.bracketed && !n.literal) {
    if (n.host != text) keys.push_back(n.host);
    for (auto dot = n.host.find('.'); dot != std::string::npos; dot = n.host.find('.', dot + 1))
      keys.push_back(n.host.substr(dot));
  }
  return keys;
}

Result<TlsPolicy> find_policy(const std::vector<std::shared_ptr<const maps::Lookup>>& tables, std::string_view nexthop_text,
                              const Nexthop& n, const TlsPolicy& fallback) {
  if (n.kind == Nexthop::unix_socket) return TlsPolicy{};  // no TLS over a local socket
  for (const auto& key : lookup_keys(nexthop_text, n))
    for (const auto& m : tables) {
      auto v = m->find(key);
      if (!v) return Error{"TLS policy table " + m->spec() + ": " + v.error().message};
      if (!*v) continue;
      auto pol = parse_policy_entry(**v);
      if (!pol) return Error{"TLS policy table " + m->spec() + ", entry for " + key + ": " + pol.error().message};
      return *pol;
    }
  return fallback;
}

}  // namespace tern::delivery::smtp
