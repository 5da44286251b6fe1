// Address classes and routes; see resolve.hpp.
#include "route/resolve.hpp"

#include "base/net.hpp"
#include "base/strings.hpp"
#include "route/address_lookup.hpp"
#include "smtp/address.hpp"

namespace tern::route {

namespace {

const log::Logger& rewrite_log() {
  static const log::Logger l("trivial-rewrite");
  return l;
}

Result<std::shared_ptr<const maps::MapList>> open_list(const std::vector<std::string>& specs, const char* param,
                                                       const maps::OpenContext& ctx) {
  auto m = maps::MapList::open(specs, ctx);
  if (!m) return Error{std::string(param) + ": " + m.error().message};
  return std::make_shared<const maps::MapList>(std::move(*m));
}

}  // namespace

const char* class_name(AddressClass c) {
  switch (c) {
    case AddressClass::local: return "local";
    case AddressClass::virtual_alias: return "virtual alias";
    case AddressClass::virtual_mailbox: return "virtual mailbox";
    case AddressClass::relay: return "relay";
    case AddressClass::default_: return "default";
  }
  return "?";
}

TransportSpec TransportSpec::parse(std::string_view s) {
  s = trim(s);
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return {std::string(s), ""};
  return {std::string(trim(s.substr(0, colon))), std::string(trim(s.substr(colon + 1)))};
}

Result<AddressResolver> AddressResolver::make(const config::Params& p, const maps::OpenContext& ctx) {
  AddressResolver r;
  auto domains = [&](DomainList& out, const std::vector<std::string>& v, const char* name) -> Status {
    auto d = DomainList::make(v, name, parent_matches_subdomains(p.parent_domain_matches_subdomains, name), ctx);
    if (!d) return d.error();
    out = std::move(*d);
    return ok_status();
  };
  if (auto s = domains(r.local_, p.mydestination, "mydestination"); !s) return s.error();
  if (auto s = domains(r.virtual_alias_, p.virtual_alias_domains, "virtual_alias_domains"); !s) return s.error();
  if (auto s = domains(r.virtual_mailbox_, p.virtual_mailbox_domains, "virtual_mailbox_domains"); !s) return s.error();
  if (auto s = domains(r.relay_, p.relay_domains, "relay_domains"); !s) return s.error();
  for (const auto* list : {&p.inet_interfaces, &p.proxy_interfaces})
    for (const auto& a : *list)
      if (IpAddress::parse(a)) r.interfaces_.push_back("[" + lower(a) + "]");
  r.myorigin_ = lower(p.myorigin);
  r.local_transport_ = TransportSpec::parse(p.local_transport);
  r.virtual_transport_ = TransportSpec::parse(p.virtual_transport);
  r.relay_transport_ = TransportSpec::parse(p.relay_transport);
  r.default_transport_ = TransportSpec::parse(p.default_transport);
  r.relayhost_ = p.relayhost;
  r.delimiters_ = p.recipient_delimiter;
  r.null_relay_key_ = p.empty_address_relayhost_maps_lookup_key;
  r.null_transport_key_ = p.empty_address_default_transport_maps_lookup_key;
  auto tm = open_list(p.transport_maps, "transport_maps", ctx);
  if (!tm) return tm.error();
  auto srm = open_list(p.sender_dependent_relayhost_maps, "sender_dependent_relayhost_maps", ctx);
  if (!srm) return srm.error();
  auto stm = open_list(p.sender_dependent_default_transport_maps, "sender_dependent_default_transport_maps", ctx);
  if (!stm) return stm.error();
  r.transport_maps_ = std::move(*tm);
  r.sender_relayhost_maps_ = std::move(*srm);
  r.sender_transport_maps_ = std::move(*stm);
  r.transport_parents_ = !parent_matches_subdomains(p.parent_domain_matches_subdomains, "transport_maps");
  r.percent_hack_ = p.allow_percent_hack;
  r.bangpath_ = p.swap_bangpath;
  return r;
}

bool AddressResolver::is_local_domain(std::string_view domain) const {
  std::string d = lower(domain);
  if (d.empty() || d == myorigin_) return true;
  for (const auto& i : interfaces_)
    if (i == d) return true;
  auto m = local_.matches(d);
  return m && *m;
}

void AddressResolver::warn_twice_listed(std::string_view domain, const char* other) const {
  std::lock_guard lock(warned_->mu);
  if (!warned_->domains.insert(std::string(domain) + "/" + other).second) return;
  rewrite_log().warning("do not list domain {} in BOTH {}", printable(domain), other);
}

Result<AddressClass> AddressResolver::classify(std::string_view domain, Trace* t) const {
  std::string d = lower(domain);
  while (!d.empty() && d.back() == '.') d.pop_back();
  auto in = [&](const DomainList& l) -> Result<bool> { return l.empty() ? Result<bool>(false) : l.matches(d); };
  bool local = d.empty();
  if (!local) {
    auto m = in(local_);
    if (!m) return m.error();
    local = *m;
    for (const auto& i : interfaces_) local |= (i == d);
  }
  auto va = in(virtual_alias_);
  if (!va) return va.error();
  auto vm = in(virtual_mailbox_);
  if (!vm) return vm.error();
  AddressClass c;
  if (local) {
    if (*va) warn_twice_listed(d, "mydestination and virtual_alias_domains");
    if (*vm) warn_twice_listed(d, "mydestination and virtual_mailbox_domains");
    c = AddressClass::local;
  } else if (*va) {
    if (*vm) warn_twice_listed(d, "virtual_alias_domains and virtual_mailbox_domains");
    c = AddressClass::virtual_alias;
  } else if (*vm) {
    c = AddressClass::virtual_mailbox;
  } else {
    auto r = in(relay_);
    if (!r) return r.error();
    c = *r ? AddressClass::relay : AddressClass::default_;
  }
  if (c == AddressClass::virtual_mailbox || c == AddressClass::virtual_alias) {
    auto r = in(relay_);
    if (r && *r) warn_twice_listed(d, c == AddressClass::virtual_alias ? "virtual_alias_domains and relay_domains"
                                                                       : "virtual_mailbox_domains and relay_domains");
  }
  trace(t, "domain \"{}\": {} address class", d, class_name(c));
  return c;
}

Result<bool> AddressResolver::authorized_destination(std::string_view domain) const {
  auto c = classify(domain);
  if (!c) return c.error();
  return *c != AddressClass::default_;
}

std::string AddressResolver::rewrite(std::string_view address) const {
  std::string a(address);
  for (int guard = 0; guard < 10; ++guard) {
    auto parts = smtp::split_address(a);
    if (!parts.domain.empty() && !is_local_domain(parts.domain)) break;
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

// transport(5): user+ext@domain, user@domain, domain, then parents (".parent", or the
// parent itself when transport_maps is in parent_domain_matches_subdomains), then "*".
// Pattern tables see only the whole address.
Result<std::optional<std::string>> AddressResolver::transport_lookup(std::string_view address, Trace* t) const {
  if (transport_maps_->empty()) return std::optional<std::string>();
  auto parts = smtp::split_address(address);
  auto ext = smtp::split_extension(parts.local, delimiters_);
  std::string domain = lower(parts.domain);
  std::vector<std::pair<std::string, bool>> keys;  // key, fixed tables only
  keys.push_back({std::string(address), false});  // pattern tables see it as written
  if (ext.delim) keys.push_back({lower(ext.base) + "@" + domain, true});
  if (!domain.empty()) {
    keys.push_back({domain, true});
    for (auto dot = domain.find('.'); dot != std::string::npos; dot = domain.find('.', dot + 1))
      keys.push_back({transport_parents_ ? domain.substr(dot) : domain.substr(dot + 1), true});
  }
  keys.push_back({"*", true});
  for (const auto& [key, fixed] : keys) {
    auto hit = transport_maps_->lookup(key, fixed);
    if (!hit) return Error{"transport_maps: " + hit.error().message};
    if (!*hit) continue;
    trace(t, "transport_maps: {} matched \"{}\" -> \"{}\"", (*hit)->table->spec(), key, (*hit)->value);
    return std::optional<std::string>((*hit)->value);
  }
  return std::optional<std::string>();
}

// Sender-dependent tables: user+ext@domain, user@domain, @domain; the null sender by its key.
Result<std::optional<std::string>> AddressResolver::sender_lookup(const maps::MapList& maps, std::string_view sender,
                                                                  std::string_view null_key) const {
  if (maps.empty()) return std::optional<std::string>();
  if (sender.empty()) {
    auto hit = maps.lookup(null_key, true);
    if (!hit) return hit.error();
    if (!*hit || iequals((*hit)->value, "DUNNO")) return std::optional<std::string>();
    return std::optional<std::string>((*hit)->value);
  }
  AddressLookupOptions opt{delimiters_, nullptr, true};
  auto m = find_address(maps, sender, opt);
  if (!m) return m.error();
  // DUNNO ends the search without overriding the global setting (postconf(5)).
  if (!*m || iequals((*m)->value, "DUNNO")) return std::optional<std::string>();
  return std::optional<std::string>((*m)->value);
}

Result<Route> AddressResolver::resolve(std::string_view original, std::string_view sender, Trace* t) const {
  Route r;
  r.recipient = rewrite(original);
  if (r.recipient != original) trace(t, "address syntax: \"{}\" -> \"{}\"", original, r.recipient);
  std::string domain = lower(smtp::split_address(r.recipient).domain);
  if (r.recipient.find('@') == std::string::npos) domain.clear();
  auto cls = classify(domain, t);
  if (!cls) return cls.error();
  r.cls = *cls;
  TransportSpec spec;
  switch (r.cls) {
    case AddressClass::local: spec = local_transport_; break;
    case AddressClass::virtual_mailbox: spec = virtual_transport_; break;
    case AddressClass::virtual_alias:
      // Its addresses are expanded at cleanup; one that reaches routing had no alias.
      spec = {"error", "5.1.1 User unknown in virtual alias table"};
      break;
    case AddressClass::relay:
    case AddressClass::default_: {
      spec = r.cls == AddressClass::relay ? relay_transport_ : default_transport_;
      if (r.cls == AddressClass::default_) {
        auto st = sender_lookup(*sender_transport_maps_, sender, null_transport_key_);
        if (!st) return Error{"sender_dependent_default_transport_maps: " + st.error().message};
        if (*st) {
          trace(t, "sender_dependent_default_transport_maps: sender \"{}\" -> \"{}\"", sender, **st);
          spec = TransportSpec::parse(**st);
        }
      }
      if (spec.nexthop.empty()) {
        auto rh = sender_lookup(*sender_relayhost_maps_, sender, null_relay_key_);
        if (!rh) return Error{"sender_dependent_relayhost_maps: " + rh.error().message};
        if (*rh) trace(t, "sender_dependent_relayhost_maps: sender \"{}\" -> \"{}\"", sender, **rh);
        spec.nexthop = *rh ? **rh : relayhost_;
      }
      break;
    }
  }
  trace(t, "{} class transport: \"{}:{}\"", class_name(r.cls), spec.transport, spec.nexthop);
  // Postfix's resolve.c: transport_maps do not override the virtual alias class's
  // error:User unknown; a transport without a nexthop resets the nexthop to the domain.
  if (r.cls != AddressClass::virtual_alias) {
    auto tm = transport_lookup(r.recipient, t);
    if (!tm) return tm.error();
    if (*tm) {
      auto over = TransportSpec::parse(**tm);
      if (!over.transport.empty()) spec.transport = over.transport;
      if (!over.nexthop.empty() || over.transport == "error" || over.transport == "retry")
        spec.nexthop = over.nexthop;
      else if (!over.transport.empty())
        spec.nexthop = domain;
    }
  }
  r.transport = spec.transport;
  r.nexthop = spec.nexthop;
  if (r.nexthop.empty() && r.cls != AddressClass::local) r.nexthop = domain;
  trace(t, "route: transport \"{}\", nexthop \"{}\", recipient \"{}\"", r.transport, r.nexthop, r.recipient);
  return r;
}

std::vector<std::string> local_lookup_keys(std::string_view local, std::string_view delimiters) {
  std::vector<std::string> keys{lower(local)};
  auto ext = smtp::split_extension(local, delimiters);
  if (!ext.ext.empty() || ext.delim) keys.push_back(lower(ext.base));
  return keys;
}

}  // namespace tern::route
