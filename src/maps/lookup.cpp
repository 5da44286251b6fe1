// open_map() and MapList; see lookup.hpp.
#include "maps/lookup.hpp"

#include "base/file.hpp"
#include "base/strings.hpp"
#include "maps/index.hpp"
#include "maps/pattern_tables.hpp"
#include "maps/spamtrap_blocklist.hpp"
#include "maps/tables.hpp"

namespace tern::maps {

namespace {

class StaticMap : public Lookup {
 public:
  StaticMap(std::string spec, std::string value) : Lookup(std::move(spec)), value_(std::move(value)) {}
  Result<Found> find(std::string_view) const override { return Found(value_); }

 private:
  std::string value_;
};

// fail:name always fails: Postfix's way to test error handling.
class FailMap : public Lookup {
 public:
  explicit FailMap(std::string spec) : Lookup(std::move(spec)) {}
  Result<Found> find(std::string_view) const override {
    return Error{"table " + spec() + " lookup error"};
  }
};

std::string_view unbrace(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}') return trim(s.substr(1, s.size() - 2));
  return s;
}

}  // namespace

Result<std::unique_ptr<Lookup>> open_map(std::string_view spec, const OpenContext& ctx) {
  auto colon = spec.find(':');
  if (colon == std::string_view::npos)
    return Error{"table \"" + printable(spec, 80) + "\": expected type:name"};
  std::string type = lower(spec.substr(0, colon));
  std::string_view name = spec.substr(colon + 1);
  std::string s(spec);
  // proxy: names a table that Postfix reads through proxymap(8); we read it directly.
  if (type == "proxy") return open_map(name, ctx);
  if (type == "inline") return open_inline(s, unbrace(name));
  if (type == "static") return std::unique_ptr<Lookup>(new StaticMap(s, std::string(unbrace(name))));
  if (type == "fail") return std::unique_ptr<Lookup>(new FailMap(s));
  if (type == "texthash") return open_texthash(s, resolve_path(ctx.config_dir, name));
  if (auto it = index_type(type)) return open_index(s, *it, resolve_path(ctx.config_dir, name));
  if (type == "regexp") return open_regexp(s, name, ctx);
  if (type == "pcre") return open_pcre(s, name, ctx);
  if (type == "cidr") return open_cidr(s, name, ctx);
  if (type == "unionmap") return open_unionmap(s, name, ctx);
  if (type == "pipemap") return open_pipemap(s, name, ctx);
  if (type == "sqlite") return open_sqlite(s, name, ctx);
  if (type == "spamtrap") return open_spamtrap(s, name, ctx);
  if (type == "unix") {
    if (name != "passwd.byname")
      return Error{"table \"" + s + "\": only unix:passwd.byname is supported"};
    return open_passwd(s, ctx.local_passwd_file, ctx.snapshot_passwd);
  }
  return Error{"table \"" + printable(spec, 80) + "\": lookup table type \"" + type +
               "\" is not supported yet (available: hash, btree, lmdb, inline, static, texthash, regexp, pcre, "
               "cidr, unionmap, pipemap, sqlite, unix, spamtrap, fail)"};
}

Result<MapList> MapList::open(const std::vector<std::string>& specs, const OpenContext& ctx) {
  MapList list;
  for (const auto& s : specs) {
    auto m = open_map(s, ctx);
    if (!m) return m.error();
    list.maps_.push_back(std::move(*m));
  }
  return list;
}

Result<std::optional<MapList::Hit>> MapList::lookup(std::string_view key, bool fixed_only) const {
  for (const auto& m : maps_) {
    if (fixed_only && !m->fixed_keys()) continue;
    auto r = m->find(key);
    if (!r) return r.error();
    if (*r) return std::optional<Hit>(Hit{std::move(**r), m.get()});
  }
  return std::optional<Hit>();
}

Result<Found> MapList::find(std::string_view key) const {
  for (const auto& m : maps_) {
    auto r = m->find(key);
    if (!r || *r) return r;
  }
  return Found();
}

}  // namespace tern::maps
