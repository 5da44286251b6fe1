// Address classes; see resolve.hpp.
#include "route/resolve.hpp"

#include "base/strings.hpp"
#include "smtp/address.hpp"

namespace tern::route {

Result<DomainList> DomainList::make(const std::vector<std::string>& entries, std::string_view param,
                                    bool match_subdomains) {
  DomainList d;
  d.subdomains_ = match_subdomains;
  for (const auto& e : entries) {
    if (e.find(':') != std::string::npos || (!e.empty() && e.front() == '/'))
      return Error{std::string(param) + ": \"" + e +
                   "\": lookup tables and files in domain lists are not supported yet"};
    d.names_.push_back(lower(e));
  }
  return d;
}

bool DomainList::matches(std::string_view domain) const {
  std::string d = lower(domain);
  while (!d.empty() && d.back() == '.') d.pop_back();
  for (const auto& n : names_) {
    if (n == d) return true;
    if (!n.empty() && n.front() == '.' && d.size() > n.size() && d.ends_with(n)) return true;
    if (subdomains_ && d.size() > n.size() && d.ends_with(n) && d[d.size() - n.size() - 1] == '.')
      return true;
  }
  return false;
}

Result<AddressResolver> AddressResolver::make(const config::Params& p) {
  AddressResolver r;
  auto local = DomainList::make(p.mydestination, "mydestination", false);
  if (!local) return local.error();
  bool parent = false;
  for (const auto& n : p.parent_domain_matches_subdomains) parent |= (n == "relay_domains");
  auto relay = DomainList::make(p.relay_domains, "relay_domains", parent);
  if (!relay) return relay.error();
  auto virt = DomainList::make(p.virtual_mailbox_domains, "virtual_mailbox_domains", false);
  if (!virt) return virt.error();
  r.local_ = std::move(*local);
  r.virtual_ = std::move(*virt);
  r.relay_ = std::move(*relay);
  r.default_transport_ = p.default_transport;
  r.relay_transport_ = p.relay_transport;
  r.local_transport_ = p.local_transport;
  r.virtual_transport_ = p.virtual_transport;
  r.relayhost_ = p.relayhost;
  r.percent_hack_ = p.allow_percent_hack;
  r.bangpath_ = p.swap_bangpath;
  return r;
}

AddressClass AddressResolver::classify(std::string_view domain) const {
  if (domain.empty() || local_.matches(domain)) return AddressClass::local;
  if (virtual_.matches(domain)) return AddressClass::virtual_;
  if (relay_.matches(domain)) return AddressClass::relay;
  return AddressClass::default_;
}

bool AddressResolver::authorized_destination(std::string_view domain) const {
  return classify(domain) != AddressClass::default_;
}

namespace {
// "transport:nexthop" → the transport part.
std::string transport_of(const std::string& spec) { return spec.substr(0, spec.find(':')); }
// "transport:nexthop" → the nexthop part, "" when there is none.
std::string nexthop_of(const std::string& spec) {
  auto colon = spec.find(':');
  return colon == std::string::npos ? std::string() : spec.substr(colon + 1);
}
}  // namespace

std::string AddressResolver::rewrite(std::string_view address) const {
  std::string a(address);
  for (int guard = 0; guard < 10; ++guard) {
    auto parts = smtp::split_address(a);
    if (!parts.domain.empty() && !local_.matches(parts.domain)) break;
    std::string local(parts.local);
    if (!local.empty() && local.front() == '"') break;  // quoted: taken as written
    if (bangpath_ && local.find('!') != std::string::npos) {
      auto bang = local.find('!');
      a = local.substr(bang + 1) + "@" + local.substr(0, bang);
      continue;
    }
    if (percent_hack_ && local.find('%') != std::string::npos) {
      auto pct = local.rfind('%');
      a = local.substr(0, pct) + "@" + local.substr(pct + 1);
      continue;
    }
    break;
  }
  return a;
}

Route AddressResolver::resolve(std::string_view original) const {
  Route r;
  std::string address = rewrite(original);
  r.recipient = address;
  auto dom = smtp::split_address(address).domain;
  r.cls = classify(dom);
  switch (r.cls) {
    case AddressClass::local:
      r.transport = transport_of(local_transport_);
      r.nexthop = nexthop_of(local_transport_);  // $myhostname by default, as in Postfix
      break;
    case AddressClass::virtual_:
      r.transport = transport_of(virtual_transport_);
      r.nexthop = nexthop_of(virtual_transport_);
      if (r.nexthop.empty()) r.nexthop = std::string(dom);
      break;
    case AddressClass::relay: r.transport = transport_of(relay_transport_); r.nexthop = std::string(dom); break;
    case AddressClass::default_:
      // default_transport's own nexthop wins over relayhost, which wins over the domain.
      r.transport = transport_of(default_transport_);
      r.nexthop = nexthop_of(default_transport_);
      if (r.nexthop.empty()) r.nexthop = relayhost_.empty() ? std::string(dom) : relayhost_;
      break;
  }
  return r;
}

std::vector<std::string> local_lookup_keys(std::string_view local, std::string_view delimiters) {
  std::vector<std::string> keys{lower(local)};
  auto ext = smtp::split_extension(local, delimiters);
  if (!ext.ext.empty() || ext.delim) keys.push_back(lower(ext.base));
  return keys;
}

Result<LocalRecipients> LocalRecipients::make(const config::Params& p, const maps::OpenContext& ctx) {
  LocalRecipients lr;
  auto maps = maps::MapList::open(p.local_recipient_maps, ctx);
  if (!maps) return Error{"local_recipient_maps: " + maps.error().message};
  lr.maps_ = std::make_shared<maps::MapList>(std::move(*maps));
  lr.delimiters_ = p.recipient_delimiter;
  return lr;
}

std::optional<bool> LocalRecipients::known(std::string_view address) const {
  if (maps_->empty()) return true;
  auto parts = smtp::split_address(address);
  std::vector<std::string> keys;
  if (!parts.domain.empty()) keys.push_back(lower(address));
  for (auto& k : local_lookup_keys(parts.local, delimiters_)) keys.push_back(std::move(k));
  for (const auto& k : keys) {
    auto r = maps_->find(k);
    if (!r) return std::nullopt;
    if (*r) return true;
  }
  return false;
}

}  // namespace tern::route
