// XFORWARD and receive_override_options over arbitrary input: parse_xforward never fails
// hard, every accepted value obeys the limits and character rules, a forwarded client
// built from it goes back out through xforward_commands() in commands of at most 512
// bytes that parse again; ReceiveOverrides::parse accepts only its four words.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.hpp"
#include "message/receive_overrides.hpp"
#include "smtp/xforward.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto items = smtp::parse_xforward(in);
  if (items) {
    for (const auto& it : *items) {
      if (!it.value) continue;
      if (it.value->empty() || it.value->size() > smtp::kXforwardValueLimit) __builtin_trap();
      for (char c : *it.value)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) __builtin_trap();
    }
    smtp::ForwardedClient f;
    f.apply(*items);
    ClientInfo c = f.client();
    for (const auto& line : smtp::xforward_commands(c, "4Yg3Nf0x5WzK", {"NAME", "ADDR", "PORT", "PROTO", "HELO",
                                                                       "IDENT", "SOURCE"})) {
      if (line.size() > 512 || line.size() < 11) __builtin_trap();
      if (!smtp::parse_xforward(std::string_view(line).substr(9, line.size() - 11))) __builtin_trap();
    }
  }
  auto o = ReceiveOverrides::parse(split_list(in));
  if (o && !split_list(in).empty() && !(o->no_unknown_recipient_checks || o->no_address_mappings ||
                                        o->no_header_body_checks || o->no_milters))
    __builtin_trap();
  return 0;
}
