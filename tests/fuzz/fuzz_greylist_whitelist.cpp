// The greylist's postgrey-format whitelist parsers: the input is parsed as a client file
// and as a recipient file. A file that parses answers matches of fixed clients and
// recipients (and of the input's first token) without crashing; one that does not names
// the file and line in its error. An entry that matched names a line that exists.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/greylist_whitelist.hpp"

namespace {

void check_origin(const std::optional<tern::policy::WhitelistOrigin>& o, std::string_view file, size_t lines) {
  if (o && (o->file != file || o->line < 1 || size_t(o->line) > lines || o->text.empty())) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::policy;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t lines = 1;
  for (char c : in) lines += c == '\n';
  std::string_view token = in.substr(0, in.find_first_of(" \t\r\n"));

  ClientWhitelist clients;
  if (auto s = clients.parse(in, "wl_clients"); !s) {
    if (s.error().message.rfind("wl_clients:", 0) != 0) __builtin_trap();
  } else {
    for (const char* ip : {"192.0.2.1", "10.1.2.3", "::1", "2001:db8::7", "::ffff:192.0.2.1"}) {
      auto a = tern::IpAddress::parse(ip);
      for (std::string_view name : {"unknown", "mail.example.org", "", "a..b"})
        check_origin(clients.match(*a, name), "wl_clients", lines);
      check_origin(clients.match(*a, token), "wl_clients", lines);
    }
    if (auto a = tern::IpAddress::parse(token)) check_origin(clients.match(*a, "unknown"), "wl_clients", lines);
  }

  RecipientWhitelist recipients;
  if (auto s = recipients.parse(in, "wl_rcpts"); !s) {
    if (s.error().message.rfind("wl_rcpts:", 0) != 0) __builtin_trap();
  } else {
    for (std::string_view r : {"bob@example.net", "postmaster+x@example.org", "@", "", "a@b@c", "+@x"})
      check_origin(recipients.match(r), "wl_rcpts", lines);
    check_origin(recipients.match(token), "wl_rcpts", lines);
  }
  return 0;
}
