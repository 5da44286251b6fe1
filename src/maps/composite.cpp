// unionmap:{type:name, …} and pipemap:{type:name, …} (DATABASE_README). A union asks
// every table and joins what they found with commas; a pipeline feeds each table's result
// to the next as its key, and finds nothing as soon as one table finds nothing. An error
// from any inner table is the composite's error.
#include "base/strings.hpp"
#include "maps/pattern_tables.hpp"

namespace tern::maps {

namespace {

using Tables = std::vector<std::unique_ptr<Lookup>>;

// Postfix asks fixed-key tables the partial keys of an address when any member wants them.
bool any_fixed(const Tables& tables) {
  for (const auto& t : tables)
    if (t->fixed_keys()) return true;
  return false;
}

class UnionMap : public Lookup {
 public:
  UnionMap(std::string spec, Tables tables) : Lookup(std::move(spec)), tables_(std::move(tables)) {}

  Result<Found> find(std::string_view key) const override {
    Found out;
    for (const auto& t : tables_) {
      auto r = t->find(key);
      if (!r) return r;
      if (!*r) continue;
      out = out ? *out + "," + **r : **r;
    }
    return out;
  }
  bool fixed_keys() const override { return any_fixed(tables_); }

 private:
  Tables tables_;
};

class PipeMap : public Lookup {
 public:
  PipeMap(std::string spec, Tables tables) : Lookup(std::move(spec)), tables_(std::move(tables)) {}

  Result<Found> find(std::string_view key) const override {
    std::string current(key);
    for (const auto& t : tables_) {
      auto r = t->find(current);
      if (!r || !*r) return r;
      current = std::move(**r);
    }
    return Found(std::move(current));
  }
  bool fixed_keys() const override { return any_fixed(tables_); }

 private:
  Tables tables_;
};

// The inner tables of "{type:name, …}"; Postfix requires the braces.
Result<Tables> open_members(std::string_view spec, std::string_view type, std::string_view name,
                            const OpenContext& ctx) {
  name = trim(name);
  if (name.size() < 2 || name.front() != '{' || name.back() != '}')
    return Error{"table \"" + printable(spec, 80) + "\": bad syntax, need \"" + std::string(type) +
                 ":{type:name, ...}\""};
  Tables tables;
  for (const auto& member : split_list(name.substr(1, name.size() - 2))) {
    auto t = open_map(member, ctx);
    if (!t) return Error{"table \"" + printable(spec, 80) + "\": " + t.error().message};
    tables.push_back(std::move(*t));
  }
  if (tables.empty())
    return Error{"table \"" + printable(spec, 80) + "\": needs at least one \"type:name\" table"};
  return tables;
}

}  // namespace

Result<std::unique_ptr<Lookup>> open_unionmap(std::string_view spec, std::string_view name,
                                              const OpenContext& ctx) {
  auto tables = open_members(spec, "unionmap", name, ctx);
  if (!tables) return tables.error();
  return std::unique_ptr<Lookup>(new UnionMap(std::string(spec), std::move(*tables)));
}

Result<std::unique_ptr<Lookup>> open_pipemap(std::string_view spec, std::string_view name,
                                             const OpenContext& ctx) {
  auto tables = open_members(spec, "pipemap", name, ctx);
  if (!tables) return tables.error();
  return std::unique_ptr<Lookup>(new PipeMap(std::string(spec), std::move(*tables)));
}

}  // namespace tern::maps
