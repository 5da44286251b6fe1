// The unlisted-recipient check; see recipients.hpp.
#include "route/recipients.hpp"

#include "route/address_lookup.hpp"
#include "smtp/address.hpp"

namespace tern::route {

const char* unknown_user_text(Listing l) {
  switch (l) {
    case Listing::unknown_local: return "User unknown in local recipient table";
    case Listing::unknown_virtual_alias: return "User unknown in virtual alias table";
    case Listing::unknown_virtual_mailbox: return "User unknown in virtual mailbox table";
    case Listing::unknown_relay: return "User unknown in relay recipient table";
    case Listing::known: break;
  }
  return "";
}

Result<RecipientTables> RecipientTables::make(const config::Params& p, const maps::OpenContext& ctx) {
  RecipientTables r;
  struct {
    std::shared_ptr<const maps::MapList>* out;
    const std::vector<std::string>* specs;
    const char* name;
  } lists[] = {{&r.canonical_, &p.canonical_maps, "canonical_maps"},
               {&r.recipient_canonical_, &p.recipient_canonical_maps, "recipient_canonical_maps"},
               {&r.virtual_alias_, &p.virtual_alias_maps, "virtual_alias_maps"},
               {&r.local_, &p.local_recipient_maps, "local_recipient_maps"},
               {&r.virtual_mailbox_, &p.virtual_mailbox_maps, "virtual_mailbox_maps"},
               {&r.relay_, &p.relay_recipient_maps, "relay_recipient_maps"}};
  for (auto& l : lists) {
    auto m = maps::MapList::open(*l.specs, ctx);
    if (!m) return Error{std::string(l.name) + ": " + m.error().message};
    *l.out = std::make_shared<const maps::MapList>(std::move(*m));
  }
  r.delimiters_ = p.recipient_delimiter;
  return r;
}

Result<Listing> RecipientTables::check(const AddressResolver& resolver, std::string_view address) const {
  std::string a = resolver.rewrite(address);
  auto domain = smtp::split_address(a).domain;
  auto cls = resolver.classify(a.find('@') == std::string::npos ? std::string_view() : domain);
  if (!cls) return cls.error();
  if (*cls == AddressClass::default_) return Listing::known;
  AddressLookupOptions opt{delimiters_, [&](std::string_view d) { return resolver.is_local_domain(d); }, true};
  auto knows = [&](const maps::MapList& m) -> Result<bool> {
    if (m.empty()) return false;
    auto r = find_address(m, a, opt);
    if (!r) return r.error();
    return r->has_value();
  };
  for (const auto* m : {recipient_canonical_.get(), canonical_.get(), virtual_alias_.get()}) {
    auto k = knows(*m);
    if (!k) return k.error();
    if (*k) return Listing::known;
  }
  const maps::MapList* table = nullptr;
  Listing unknown = Listing::known;
  switch (*cls) {
    case AddressClass::local:
      table = local_.get();
      unknown = Listing::unknown_local;
      // Local users are looked up by user name too, whatever local domain they are in.
      opt.local_domain = [](std::string_view) { return true; };
      break;
    case AddressClass::virtual_alias: return Listing::unknown_virtual_alias;
    case AddressClass::virtual_mailbox: table = virtual_mailbox_.get(); unknown = Listing::unknown_virtual_mailbox; break;
    case AddressClass::relay: table = relay_.get(); unknown = Listing::unknown_relay; break;
    case AddressClass::default_: return Listing::known;
  }
  if (table->empty()) return Listing::known;
  auto k = knows(*table);
  if (!k) return k.error();
  return *k ? Listing::known : unknown;
}

}  // namespace tern::route
