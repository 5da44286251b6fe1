// Key record parsing; see key_record.hpp.
#include "dkim/key_record.hpp"

#include "base/strings.hpp"
#include "dkim/tags.hpp"
#include "sasl/base64.hpp"

namespace tern::dkim {

bool KeyRecord::allows_hash(std::string_view h) const {
  if (hashes.empty()) return true;
  for (const auto& x : hashes)
    if (x == h) return true;
  return false;
}

bool KeyRecord::allows_email() const {
  if (services.empty()) return true;
  for (const auto& s : services)
    if (s == "*" || s == "email") return true;
  return false;
}

Result<KeyRecord> parse_key_record(std::string_view txt) {
  auto tl = TagList::parse(txt);
  if (!tl) return Error{"key record: " + tl.error().message.substr(10)};  // drop "tag list: "
  KeyRecord k;
  if (auto v = tl->find("v")) {
    if (*v != "DKIM1") return Error{"key record: v= is not DKIM1"};
    if (tl->tags().front().first != "v") return Error{"key record: v= is not the first tag"};
  }
  if (auto t = tl->find("k")) {
    if (*t == "rsa") k.type = KeyType::rsa;
    else if (*t == "ed25519") k.type = KeyType::ed25519;
    else return Error{"key record: unknown key type k=" + printable(*t, 40)};
  }
  auto p = tl->find("p");
  if (!p) return Error{"key record: no p= tag"};
  auto key = sasl::base64_decode(strip_fws(*p));
  if (!key) return Error{"key record: p= is not base64"};
  k.public_key = std::move(*key);
  auto list = [](std::string_view v) {
    std::vector<std::string> out;
    std::string text = strip_fws(v);
    for (auto x : split_any(text, ":")) out.emplace_back(x);
    return out;
  };
  if (auto h = tl->find("h")) k.hashes = list(*h);
  if (auto s = tl->find("s")) k.services = list(*s);
  if (auto t = tl->find("t"))
    for (const auto& flag : list(*t)) {
      if (flag == "y") k.testing = true;
      if (flag == "s") k.strict_identity = true;
    }
  return k;
}

}  // namespace tern::dkim
