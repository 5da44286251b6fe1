// Header address rewriting; see header_rewrite.hpp.
#include "message/header_rewrite.hpp"

#include "base/strings.hpp"
#include "message/cleanup.hpp"
#include "route/header_addresses.hpp"

namespace tern {

namespace {

enum class Kind { none, sender, recipient };

Kind kind_of(std::string_view name) {
  static constexpr std::string_view senders[] = {"from", "sender", "reply-to", "errors-to", "return-receipt-to",
                                                 "resent-from", "resent-sender", "resent-reply-to"};
  static constexpr std::string_view recipients[] = {"to", "cc", "bcc", "apparently-to",
                                                    "resent-to", "resent-cc", "resent-bcc"};
  for (auto s : senders)
    if (iequals(name, s)) return Kind::sender;
  for (auto r : recipients)
    if (iequals(name, r)) return Kind::recipient;
  return Kind::none;
}

}  // namespace

Status rewrite_address_headers(Message& m, const route::Rewriter& w, bool local_client) {
  if (!w.rewrites_headers(local_client)) return ok_status();
  std::string_view c = m.content;
  struct Change {
    size_t begin, end;  // the value's bytes in the content
    std::string value;
  };
  std::vector<Change> changes;
  std::optional<Error> failed;
  for_each_header(c, [&](std::string_view name, std::string_view value) {
    Kind k = kind_of(name);
    if (k == Kind::none || failed) return;
    auto fn = [&](std::string_view a) -> std::string {
      auto r = w.header_address(a, k == Kind::sender, local_client);
      if (!r) {
        failed = r.error();
        return std::string(a);
      }
      return std::move(*r);
    };
    std::string out = route::rewrite_address_list(value, fn);
    if (out != value) {
      size_t begin = size_t(value.data() - c.data());
      changes.push_back({begin, begin + value.size(), std::move(out)});
    }
  });
  if (failed) return *failed;
  if (changes.empty()) return ok_status();
  std::string next;
  next.reserve(m.content.size() + 64);
  size_t pos = 0;
  for (const auto& ch : changes) {
    next.append(c.substr(pos, ch.begin - pos));
    next += ch.value;
    pos = ch.end;
  }
  next.append(c.substr(pos));
  m.content = std::move(next);
  return ok_status();
}

}  // namespace tern
