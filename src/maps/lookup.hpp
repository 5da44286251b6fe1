// Lookup tables as Postfix names them, "type:name". A table answers a key with a value,
// with "not found", or with an error (a table that cannot be read now: the caller defers).
// Types today: hash:/path, btree:/path, lmdb:/path (indexes postmap builds, see
// maps/index.hpp), inline:{…}, static:…, texthash:/path, regexp:/path, pcre:/path,
// cidr:/path (or their inline "{ {rule}, … }" forms), unionmap:{…}, pipemap:{…},
// sqlite:/path.cf, unix:passwd.byname, spamtrap:/path (spamtrap_blocklist.hpp), fail:….
// Other types are a clear configuration error, never a silent empty table.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern::maps {

using Found = std::optional<std::string>;

class Lookup {
 public:
  virtual ~Lookup() = default;
  virtual Result<Found> find(std::string_view key) const = 0;
  // Fixed-key tables (hash, texthash, inline, …) are asked the address forms of Postfix's
  // lookup order one by one; pattern tables (regexp, pcre, cidr) see only whole keys.
  virtual bool fixed_keys() const { return true; }
  const std::string& spec() const { return spec_; }

 protected:
  explicit Lookup(std::string spec) : spec_(std::move(spec)) {}

 private:
  std::string spec_;
};

struct OpenContext {
  std::string config_dir;         // relative table paths resolve here
  std::string local_passwd_file;  // unix:passwd.byname reads this when set
  bool snapshot_passwd = false;   // copy the system passwd database at open (chroot)
};

Result<std::unique_ptr<Lookup>> open_map(std::string_view spec, const OpenContext& ctx);

// A list of tables searched in order (alias_maps, local_recipient_maps, …).
class MapList {
 public:
  struct Hit {
    std::string value;
    const Lookup* table;  // which table answered (its spec() for traces and logs)
  };
  static Result<MapList> open(const std::vector<std::string>& specs, const OpenContext& ctx);
  Result<Found> find(std::string_view key) const;
  // The first table that knows `key`; with `fixed_only`, pattern tables are skipped (the
  // partial-address keys of Postfix's lookup order are for fixed-key tables only).
  Result<std::optional<Hit>> lookup(std::string_view key, bool fixed_only = false) const;
  bool empty() const { return maps_.empty(); }

 private:
  std::vector<std::shared_ptr<const Lookup>> maps_;
};

}  // namespace tern::maps
