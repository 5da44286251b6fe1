// DKIM signing at cleanup; see dkim_sign.hpp.
#include "message/dkim_sign.hpp"

#include "base/strings.hpp"
#include "message/cleanup.hpp"
#include "route/header_addresses.hpp"

namespace tern {

std::string from_header_address(const std::string& content) {
  std::string out;
  bool seen = false;
  for_each_header(content, [&](std::string_view name, std::string_view value) {
    if (seen || !iequals(name, "From")) return;
    seen = true;
    auto spans = route::find_addresses(value);
    if (!spans.empty()) out = std::string(value.substr(spans[0].begin, spans[0].end - spans[0].begin));
  });
  return out;
}

Result<DkimSigned> dkim_sign(Message& m, const dkim::SigningPolicy& policy) {
  DkimSigned out;
  std::string from = from_header_address(m.content);
  if (from.empty()) {
    out.skipped = "no From address";
    return out;
  }
  auto keys = policy.keys_for(from);
  if (!keys) return keys.error();
  std::string fields;
  for (const auto& k : *keys) {
    auto f = dkim::sign_message(m.content, k, policy.options());
    if (!f) {
      out.skipped = f.error().message;
      return out;
    }
    fields += *f;
    out.signatures.push_back("s=" + k.selector + ", d=" + k.domain);
  }
  m.content.insert(0, fields);
  return out;
}

}  // namespace tern
