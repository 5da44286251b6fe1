// The DNS servers of a domain, turned into access table keys; see server_access.hpp.
#include "policy/server_access.hpp"

#include <algorithm>
#include <optional>

#include "base/strings.hpp"
#include "dns/rdata.hpp"
#include "policy/access.hpp"
#include "policy/dns_words.hpp"
#include "smtp/address.hpp"

namespace tern::policy {

namespace {

constexpr size_t kMaxServers = 32;  // more MX or NS hosts than anyone has: the rest unchecked

enum class Target { client, reverse_client, helo, sender, recipient };
enum class Servers { mx, ns, a };

struct Kind {
  Word word;
  Target target;
  Servers servers;
};
constexpr Kind kKinds[] = {
    {Word::check_client_mx_access, Target::client, Servers::mx},
    {Word::check_client_ns_access, Target::client, Servers::ns},
    {Word::check_client_a_access, Target::client, Servers::a},
    {Word::check_reverse_client_mx_access, Target::reverse_client, Servers::mx},
    {Word::check_reverse_client_ns_access, Target::reverse_client, Servers::ns},
    {Word::check_reverse_client_a_access, Target::reverse_client, Servers::a},
    {Word::check_helo_mx_access, Target::helo, Servers::mx},
    {Word::check_helo_ns_access, Target::helo, Servers::ns},
    {Word::check_helo_a_access, Target::helo, Servers::a},
    {Word::check_sender_mx_access, Target::sender, Servers::mx},
    {Word::check_sender_ns_access, Target::sender, Servers::ns},
    {Word::check_sender_a_access, Target::sender, Servers::a},
    {Word::check_recipient_mx_access, Target::recipient, Servers::mx},
    {Word::check_recipient_ns_access, Target::recipient, Servers::ns},
    {Word::check_recipient_a_access, Target::recipient, Servers::a},
};

const Kind* kind_of(Word w) {
  for (const auto& k : kKinds)
    if (k.word == w) return &k;
  return nullptr;
}

// The domain a word is about; "" when there is none to look up.
std::string domain_of(Target t, const Facts& f) {
  std::string_view d;
  switch (t) {
    case Target::client: d = f.client_name; break;
    case Target::reverse_client: d = f.reverse_client_name.empty() ? f.client_name : f.reverse_client_name; break;
    case Target::helo: d = f.helo; break;
    case Target::sender: d = f.sender.empty() ? std::string_view{} : smtp::split_address(f.sender).domain; break;
    case Target::recipient:
      if (f.stage == Stage::recipient) d = smtp::split_address(f.recipient).domain;
      break;
  }
  if (d == "unknown" || d.empty() || d.front() == '[' || !valid_hostname(d)) return {};
  return lower(d);
}

std::string_view servers_name(Servers s) { return s == Servers::mx ? "MX" : s == Servers::ns ? "NS" : "A"; }

std::string failure(const dns::Answer& a) { return a.error.empty() ? std::string(dns::outcome_name(a.outcome)) : a.error; }

// The MX or NS host names of `domain` (Postfix's fallbacks included); nullopt after a warning.
asio::awaitable<std::optional<std::vector<std::string>>> server_names(Servers s, std::string domain, const Facts& f,
                                                                      Evaluation& ev) {
  dns::Type type = s == Servers::mx ? dns::Type::MX : dns::Type::NS;
  dns::Answer a = co_await f.dns_cache->lookup(*f.dns_resolver, domain, type);
  // No NS records at this name: those of the zone it is in.
  for (std::string_view parent = domain; s == Servers::ns && !a.has_data() && a.outcome != dns::Outcome::temporary;) {
    size_t dot = parent.find('.');
    if (dot == std::string_view::npos || dot + 1 >= parent.size()) break;
    parent.remove_prefix(dot + 1);
    a = co_await f.dns_cache->lookup(*f.dns_resolver, std::string(parent), type);
  }
  if (a.outcome == dns::Outcome::temporary) {
    ev.warnings.push_back("Unable to look up " + std::string(servers_name(s)) + " host for " + domain + ": " + failure(a));
    co_return std::nullopt;
  }
  std::vector<std::string> names;
  if (!a.has_data()) {
    if (s == Servers::mx) names.push_back(domain);  // no MX: the domain is its own mail host
    co_return names;
  }
  if (s == Servers::mx) {
    auto mx = dns::mx_records(a);
    if (!mx) {
      ev.warnings.push_back("Unable to look up MX host for " + domain + ": " + mx.error().message);
      co_return std::nullopt;
    }
    std::stable_sort(mx->begin(), mx->end(), [](const dns::Mx& x, const dns::Mx& y) { return x.preference < y.preference; });
    for (const auto& m : *mx)
      if (!m.host.empty()) names.push_back(m.host);  // a null MX names no host
  } else {
    auto ns = dns::names(a);
    if (!ns) {
      ev.warnings.push_back("Unable to look up NS host for " + domain + ": " + ns.error().message);
      co_return std::nullopt;
    }
    for (auto& n : *ns) names.push_back(lower(n));
  }
  if (names.size() > kMaxServers) names.resize(kMaxServers);
  co_return names;
}

// The IPv4 and IPv6 addresses of `host`, each as a key group; a failure is a warning.
asio::awaitable<void> address_groups(std::string host, const Facts& f, Evaluation& ev, std::string_view what,
                                     std::vector<std::vector<std::string>>& out) {
  for (dns::Type t : {dns::Type::A, dns::Type::AAAA}) {
    dns::Answer a = co_await f.dns_cache->lookup(*f.dns_resolver, host, t);
    if (a.outcome == dns::Outcome::temporary) {
      ev.warnings.push_back("Unable to look up " + std::string(what) + " host " + host + ": " + failure(a));
      continue;
    }
    if (!a.has_data()) continue;
    auto addrs = dns::addresses(a);
    if (!addrs) {
      ev.warnings.push_back("Unable to look up " + std::string(what) + " host " + host + ": " + addrs.error().message);
      continue;
    }
    for (const auto& ip : *addrs) out.push_back(client_keys("", ip.to_string()));
  }
}

}  // namespace

bool is_server_access_word(Word w) { return kind_of(w) != nullptr; }

Stage server_access_stage(Word w) {
  const Kind* k = kind_of(w);
  if (!k) return Stage::recipient;
  switch (k->target) {
    case Target::client:
    case Target::reverse_client: return Stage::client;
    case Target::helo: return Stage::helo;
    case Target::sender: return Stage::sender;
    case Target::recipient: return Stage::recipient;
  }
  return Stage::recipient;
}

asio::awaitable<std::vector<std::vector<std::string>>> server_access_keys(Word w, const Facts& f, Evaluation& ev) {
  std::vector<std::vector<std::string>> groups;
  const Kind* k = kind_of(w);
  if (!k || !f.dns_resolver || !f.dns_cache) co_return groups;
  std::string domain = domain_of(k->target, f);
  if (domain.empty()) co_return groups;
  if (k->servers == Servers::a) {
    co_await address_groups(domain, f, ev, "A", groups);
    co_return groups;
  }
  auto names = co_await server_names(k->servers, domain, f, ev);
  if (!names) co_return groups;
  for (const auto& host : *names) {
    groups.push_back(domain_keys(host));
    co_await address_groups(host, f, ev, servers_name(k->servers), groups);
  }
  co_return groups;
}

}  // namespace tern::policy
