// The greylist's whitelists, in postgrey's file formats (postgrey(8), "Whitelists"), so an
// admin's /etc/postgrey/whitelist_clients and whitelist_recipients work unchanged:
//
//   clients:    domain.addr        that host name and every name under it
//               /regexp/           PCRE, case-insensitive, searched in the client name
//               1.2.3.4, 1.2.3     an address; two or three octets: that /16 or /24
//               1.2.3.0/24, ::1    a CIDR network (host bits allowed, as postgrey allows)
//   recipients: name@              name@ and name+extension@ in any domain
//               name@domain.addr   that address and its +extensions
//               domain.addr        that domain and its subdomains
//               /regexp/           PCRE, case-insensitive, searched in the whole address
//
// '#' starts a comment anywhere on a line; blank lines are skipped. Where postgrey warns and
// goes on (a line with spaces, an address it cannot parse) we refuse the file with
// "FILE:LINE: problem", since a silently dropped whitelist entry greylists mail the admin
// meant to let through. One deliberate difference: postgrey treats "1.2" as 1.2.0.0/24
// (its code contradicts its own comment); here it is 1.2.0.0/16, as the manual says.
// Parsing does no I/O but for load_*(), which read the named files.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/net.hpp"
#include "base/result.hpp"

namespace tern::maps {
class Matcher;
}

namespace tern::policy {

// Where an entry came from ("/etc/postgrey/whitelist_clients:12: 192.0.2.0/24"), for the
// admin tool and the log.
struct WhitelistOrigin {
  std::string file;
  int line = 0;
  std::string text;
  std::string describe() const { return file + ":" + std::to_string(line) + ": " + text; }
};

class ClientWhitelist {
 public:
  ClientWhitelist();
  ~ClientWhitelist();
  ClientWhitelist(ClientWhitelist&&) noexcept;
  ClientWhitelist& operator=(ClientWhitelist&&) noexcept;

  // Adds the entries of one file's text; `file` names it in errors.
  Status parse(std::string_view text, const std::string& file);
  // The entry that lets this client through (name as Postfix reports it, "unknown" when
  // it has none), or nullopt.
  std::optional<WhitelistOrigin> match(const IpAddress& addr, std::string_view name) const;
  size_t size() const;

 private:
  struct Name;     // a domain suffix or a regexp on the client name
  struct Network;  // an address or network
  std::vector<Name> names_;
  std::vector<Network> networks_;
};

class RecipientWhitelist {
 public:
  RecipientWhitelist();
  ~RecipientWhitelist();
  RecipientWhitelist(RecipientWhitelist&&) noexcept;
  RecipientWhitelist& operator=(RecipientWhitelist&&) noexcept;

  Status parse(std::string_view text, const std::string& file);
  std::optional<WhitelistOrigin> match(std::string_view recipient) const;
  size_t size() const;

 private:
  struct Entry;
  std::vector<Entry> entries_;
};

// Reads and parses every file in `files` (an unreadable file is an error).
Result<ClientWhitelist> load_client_whitelist(const std::vector<std::string>& files);
Result<RecipientWhitelist> load_recipient_whitelist(const std::vector<std::string>& files);

}  // namespace tern::policy
