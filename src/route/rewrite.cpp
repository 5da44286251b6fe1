// Envelope rewriting at cleanup; see rewrite.hpp.
#include "route/rewrite.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "route/address_lookup.hpp"
#include "smtp/address.hpp"

namespace tern::route {

namespace {

bool has(const std::vector<std::string>& list, std::string_view word) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return iequals(s, word); });
}

const log::Logger& cleanup_log() {
  static const log::Logger l("cleanup");
  return l;
}

// A result "@otherdomain, ..." names the same user (without the extension the key
// dropped) in otherdomain, as Postfix's mail_addr_map does; other results are unchanged.
std::string with_user(const AddressMatch& m, std::string_view address) {
  if (m.value.empty() || m.value.front() != '@') return m.value;
  std::string_view local = smtp::split_address(address).local;
  if (!m.unmatched_extension.empty()) local.remove_suffix(m.unmatched_extension.size() + 1);
  return std::string(local) + m.value;
}

}  // namespace

Result<Rewriter> Rewriter::make(const config::Params& p, const maps::OpenContext& ctx) {
  Rewriter w;
  auto resolver = AddressResolver::make(p, ctx);
  if (!resolver) return resolver.error();
  w.resolver_ = std::move(*resolver);
  w.myorigin_ = lower(p.myorigin);
  w.mydomain_ = lower(p.mydomain);
  w.delimiters_ = p.recipient_delimiter;
  w.append_dot_mydomain_ = p.append_dot_mydomain;
  w.append_at_myorigin_ = p.append_at_myorigin;
  auto canonical = [&](Canonical& c, const std::vector<std::string>& specs, const char* name,
                       const std::vector<std::string>& classes) -> Status {
    auto m = maps::MapList::open(specs, ctx);
    if (!m) return Error{std::string(name) + ": " + m.error().message};
    c.maps = std::make_shared<const maps::MapList>(std::move(*m));
    c.name = name;
    c.sender = has(classes, "envelope_sender");
    c.recipient = has(classes, "envelope_recipient");
    c.header_sender = has(classes, "header_sender");
    c.header_recipient = has(classes, "header_recipient");
    return ok_status();
  };
  if (auto s = canonical(w.sender_canonical_, p.sender_canonical_maps, "sender_canonical_maps",
                         p.sender_canonical_classes); !s)
    return s.error();
  if (auto s = canonical(w.recipient_canonical_, p.recipient_canonical_maps, "recipient_canonical_maps",
                         p.recipient_canonical_classes); !s)
    return s.error();
  if (auto s = canonical(w.canonical_, p.canonical_maps, "canonical_maps", p.canonical_classes); !s)
    return s.error();
  auto va = maps::MapList::open(p.virtual_alias_maps, ctx);
  if (!va) return Error{"virtual_alias_maps: " + va.error().message};
  w.virtual_alias_ = std::make_shared<const maps::MapList>(std::move(*va));
  w.propagate_canonical_ = has(p.propagate_unmatched_extensions, "canonical");
  w.propagate_virtual_ = has(p.propagate_unmatched_extensions, "virtual");
  for (const auto& d : p.masquerade_domains) {
    std::string n = lower(d);
    while (!n.empty() && n.back() == '.') n.pop_back();
    if (!n.empty()) w.masquerade_domains_.push_back(std::move(n));
  }
  for (const auto& e : p.masquerade_exceptions) w.masquerade_exceptions_.push_back(lower(e));
  w.masquerade_sender_ = has(p.masquerade_classes, "envelope_sender");
  w.masquerade_recipient_ = has(p.masquerade_classes, "envelope_recipient");
  w.masquerade_header_sender_ = has(p.masquerade_classes, "header_sender");
  w.masquerade_header_recipient_ = has(p.masquerade_classes, "header_recipient");
  w.remote_header_domain_ = lower(p.remote_header_rewrite_domain);
  w.expansion_limit_ = size_t(std::max<long long>(1, p.virtual_alias_expansion_limit));
  w.recursion_limit_ = size_t(std::max<long long>(1, p.virtual_alias_recursion_limit));
  w.length_limit_ = size_t(std::max<long long>(1, p.virtual_alias_address_length_limit));
  return w;
}

std::string Rewriter::qualify(std::string_view address) const {
  if (address.empty()) return std::string();
  if (address.find('@') == std::string_view::npos)
    return append_at_myorigin_ ? std::string(address) + "@" + myorigin_ : std::string(address);
  auto parts = smtp::split_address(address);
  if (append_dot_mydomain_ && !mydomain_.empty() && !parts.domain.empty() &&
      parts.domain.find('.') == std::string_view::npos && parts.domain.front() != '[' &&
      !resolver_.is_local_domain(parts.domain))
    return std::string(address) + "." + mydomain_;
  return std::string(address);
}

// canonical(5): one address in, one out; the answer is qualified like any address.
Result<std::string> Rewriter::map11(const Canonical& c, const std::string& address, Trace* t) const {
  if (c.maps->empty()) return address;
  AddressLookupOptions opt{delimiters_, [this](std::string_view d) { return resolver_.is_local_domain(d); }, true};
  auto m = find_address(*c.maps, address, opt);
  if (!m) return Error{std::string(c.name) + ": " + m.error().message};
  if (!*m) return address;
  std::string out = qualify(with_user(**m, address));  // "@old @new": the user stays
  if (propagate_canonical_ && !(*m)->unmatched_extension.empty())
    out = add_extension(out, (*m)->delimiter, (*m)->unmatched_extension);
  trace(t, "{}: {} matched \"{}\": \"{}\" -> \"{}\"", c.name, (*m)->table, (*m)->key, address, out);
  return out;
}

std::string Rewriter::masquerade(const std::string& address, Trace* t) const {
  if (masquerade_domains_.empty()) return address;
  auto parts = smtp::split_address(address);
  if (parts.domain.empty() || has(masquerade_exceptions_, parts.local)) return address;
  std::string domain = lower(parts.domain);
  for (const auto& m : masquerade_domains_) {
    bool exception = m.front() == '!';
    std::string_view name = exception ? std::string_view(m).substr(1) : std::string_view(m);
    if (domain == name) return address;  // already the masquerade (or an exception) domain
    if (domain.size() > name.size() && domain.ends_with(name) && domain[domain.size() - name.size() - 1] == '.') {
      if (exception) return address;
      std::string out = std::string(parts.local) + "@" + std::string(name);
      trace(t, "masquerade_domains: \"{}\" -> \"{}\"", address, out);
      return out;
    }
  }
  return address;
}

Result<std::string> Rewriter::sender(std::string_view address, Trace* t) const {
  if (address.empty()) return std::string();
  std::string a = qualify(address);
  for (const Canonical* c : {&sender_canonical_, &canonical_}) {
    if (!c->sender) continue;
    auto r = map11(*c, a, t);
    if (!r) return r;
    a = std::move(*r);
  }
  return masquerade_sender_ ? masquerade(a, t) : a;
}

Result<std::string> Rewriter::canonical_recipient(std::string_view address, Trace* t) const {
  std::string a = qualify(address);
  if (a != address) trace(t, "qualified: \"{}\" -> \"{}\"", address, a);
  for (const Canonical* c : {&recipient_canonical_, &canonical_}) {
    if (!c->recipient) continue;
    auto r = map11(*c, a, t);
    if (!r) return r;
    a = std::move(*r);
  }
  return masquerade_recipient_ ? masquerade(a, t) : a;
}

bool Rewriter::rewrites_headers(bool local_client) const {
  return local_client || !remote_header_domain_.empty();
}

Result<std::string> Rewriter::header_address(std::string_view address, bool sender_header, bool local_client) const {
  if (address.empty()) return std::string();
  std::string a(address);
  if (a.find('@') == std::string::npos) {
    if (local_client) a = qualify(a);
    else if (!remote_header_domain_.empty()) a += "@" + remote_header_domain_;
  }
  if (!local_client) return a;  // remote mail: only the domain for incomplete addresses
  for (const Canonical* c : {sender_header ? &sender_canonical_ : &recipient_canonical_, &canonical_}) {
    if (!(sender_header ? c->header_sender : c->header_recipient)) continue;
    auto r = map11(*c, a, nullptr);
    if (!r) return r;
    a = std::move(*r);
  }
  bool masq = sender_header ? masquerade_header_sender_ : masquerade_header_recipient_;
  return masq ? masquerade(a, nullptr) : a;
}

Result<std::vector<std::string>> Rewriter::recipient(std::string_view address, Trace* t) const {
  auto a = canonical_recipient(address, t);
  if (!a) return a.error();
  std::vector<std::string> out, path, kept;
  if (auto s = expand(*a, 0, path, kept, out, t); !s) return s.error();
  return out;
}

// One level of virtual alias expansion. `path` holds the addresses being expanded above
// this one: meeting one again is a loop.
Status Rewriter::expand(const std::string& address, int depth, std::vector<std::string>& path,
                        std::vector<std::string>& kept, std::vector<std::string>& out, Trace* t) const {
  auto final_address = [&](const std::string& a) -> Status {
    for (const auto& o : out)
      if (iequals(o, a)) return ok_status();
    if (out.size() >= expansion_limit_) {
      cleanup_log().warning("unreasonable virtual_alias_maps map expansion size for {} -- message not accepted",
                            printable(address));
      return Error{"virtual_alias_expansion_limit exceeded for " + printable(address)};
    }
    out.push_back(a);
    return ok_status();
  };
  if (virtual_alias_->empty()) return final_address(address);
  // An address that expanded into itself stays final wherever it is met again.
  for (const auto& k : kept)
    if (iequals(k, address)) return final_address(address);
  if (size_t(depth) >= recursion_limit_) {
    cleanup_log().warning("unreasonable virtual_alias_maps map nesting for {} -- message not accepted",
                          printable(address));
    return Error{"virtual_alias_recursion_limit exceeded for " + printable(address)};
  }
  for (const auto& p : path)
    if (iequals(p, address)) {
      cleanup_log().warning("virtual_alias_maps loop for {} -- message not accepted", printable(address));
      return Error{"virtual alias loop for " + printable(address)};
    }
  AddressLookupOptions opt{delimiters_, [this](std::string_view d) { return resolver_.is_local_domain(d); }, true};
  auto m = find_address(*virtual_alias_, address, opt);
  if (!m) return Error{"virtual_alias_maps: " + m.error().message};
  if (!*m) return final_address(address);
  trace(t, "virtual_alias_maps: {} matched \"{}\": \"{}\" -> \"{}\"", (*m)->table, (*m)->key, address, (*m)->value);
  path.push_back(address);
  std::vector<std::string> targets;
  for (const auto& target : split_list(with_user(**m, address))) {
    std::string next = qualify(target);
    if (propagate_virtual_ && !(*m)->unmatched_extension.empty())
      next = add_extension(next, (*m)->delimiter, (*m)->unmatched_extension);
    if (next.size() > length_limit_) {
      cleanup_log().warning("{}: virtual_alias_maps result is too long -- message not accepted", printable(address));
      return Error{"virtual alias result longer than virtual_alias_address_length_limit"};
    }
    // "a@x -> a@x, b@y": an address that names itself is final (Postfix's self-reference).
    if (iequals(next, address)) kept.push_back(address);
    targets.push_back(std::move(next));
  }
  for (const auto& next : targets) {
    Status s = iequals(next, address) ? final_address(next) : expand(next, depth + 1, path, kept, out, t);
    if (!s) return s;
  }
  path.pop_back();
  return ok_status();
}

}  // namespace tern::route
