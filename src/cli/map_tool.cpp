// The table operations behind postmap, postalias and newaliases; see map_tool.hpp.
#include "cli/map_tool.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "cli/tool_env.hpp"
#include "maps/index.hpp"
#include "maps/lookup.hpp"
#include "maps/spamtrap_blocklist.hpp"

namespace tern::cli {

namespace {

struct Target {
  std::string spec;  // "type:name", the type filled in from default_database_type
  std::string type;  // lower case
  std::string name;
};

// "[type:]name"; a ':' after a '/' belongs to a path, not to a type.
Target target(const std::string& spec, const std::string& default_type) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos || spec.find('/') < colon)
    return {default_type + ":" + spec, lower(default_type), spec};
  return {spec, lower(std::string_view(spec).substr(0, colon)), spec.substr(colon + 1)};
}

// Postfix: a new index gets the group and other read permissions of its source.
int mode_from_source(const std::string& source, bool inherit) {
  struct stat st {};
  if (!inherit || ::stat(source.c_str(), &st) != 0) return 0644;
  return int(0600 | (st.st_mode & 0044));
}

void print_entry(const MapTool& t, std::string_view key, std::string_view value) {
  std::string line(key);
  line += t.format == maps::SourceFormat::aliases ? ":\t" : "\t";
  line += value;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
}

std::vector<std::string_view> input_lines(std::string_view text) {
  std::vector<std::string_view> out;
  for (auto l : split_any(text, "\n")) {
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

// Opens every table of a query: indexes with this tool's case folding, the other types
// through open_map().
Result<std::vector<std::unique_ptr<maps::Lookup>>> open_tables(const MapTool& t,
                                                               const std::vector<std::string>& specs) {
  std::vector<std::unique_ptr<maps::Lookup>> out;
  for (const auto& s : specs) {
    auto tg = target(s, t.default_type);
    Result<std::unique_ptr<maps::Lookup>> m = Error{};
    if (auto type = maps::index_type(tg.type))
      m = maps::open_index(tg.spec, *type, resolve_path(t.config_dir, tg.name),
                           {t.fold, std::chrono::milliseconds(1000),
                            [name = t.name](const std::string& w) { warning_msg(name, w); }});
    else
      m = maps::open_map(tg.spec, maps::OpenContext{t.config_dir, "", false});
    if (!m) return m.error();
    out.push_back(std::move(*m));
  }
  return out;
}

// The index file of an indexed table spec, or an error naming the unsupported type.
Result<std::string> index_of(const MapTool& t, const std::string& spec, const char* what) {
  auto tg = target(spec, t.default_type);
  auto type = maps::index_type(tg.type);
  if (!type)
    return Error{"table \"" + tg.spec + "\": " + what + " works only with hash, btree and lmdb tables"};
  return maps::index_path(*type, resolve_path(t.config_dir, tg.name));
}

int fatal(const MapTool& t, const std::string& text) {
  fatal_msg(t.name, text);
  return kMapFatal;
}

// Entries of `text` merged into `into` with the tool's duplicate policy, warnings printed.
Status merge_text(const MapTool& t, maps::TableEntries& into, std::string_view text, const std::string& file) {
  auto entries = maps::parse_source(text, file, {t.format, t.fold});
  if (!entries) return entries.error();
  for (const auto& w : maps::merge_entries(into, std::move(*entries), t.dup, file)) warning_msg(t.name, w);
  return ok_status();
}

}  // namespace

int MapTool::build(const std::string& spec) const {
  auto tg = target(spec, default_type);
  auto type = maps::index_type(tg.type);
  if (!type)
    return fatal(*this, "unsupported database type \"" + tg.type + "\" for building (hash, btree, lmdb)");
  std::string source = resolve_path(config_dir, tg.name);
  auto text = read_file(source);
  if (!text) return fatal(*this, "open " + text.error().message);
  maps::TableEntries table;
  if (auto s = merge_text(*this, table, *text, source); !s) return fatal(*this, s.error().message);
  auto st = maps::write_index(maps::index_path(*type, source), table, mode_from_source(source, inherit_mode));
  return st ? 0 : fatal(*this, st.error().message);
}

int MapTool::add(const std::string& spec, const std::string& input) const {
  auto path = index_of(*this, spec, "-i");
  if (!path) return fatal(*this, path.error().message);
  auto tg = target(spec, default_type);
  int mode = mode_from_source(resolve_path(config_dir, tg.name), inherit_mode);
  maps::TableEntries table;
  struct stat st {};
  if (::stat(path->c_str(), &st) == 0) {
    auto old = maps::read_index(*path);
    if (!old) return fatal(*this, old.error().message);
    table = std::move(*old);
    mode = int(st.st_mode & 07777);
  }
  if (auto s = merge_text(*this, table, input, "stdin"); !s) return fatal(*this, s.error().message);
  auto w = maps::write_index(*path, table, mode);
  return w ? 0 : fatal(*this, w.error().message);
}

int MapTool::query(const std::vector<std::string>& specs, const std::string& key) const {
  auto tables = open_tables(*this, specs);
  if (!tables) return fatal(*this, tables.error().message);
  for (const auto& m : *tables) {
    auto r = m->find(key);
    if (!r) return fatal(*this, r.error().message);
    if (*r) {
      std::printf("%s\n", (*r)->c_str());
      return 0;
    }
  }
  return kMapNotFound;
}

int MapTool::query_lines(const std::vector<std::string>& specs, const std::string& input) const {
  auto tables = open_tables(*this, specs);
  if (!tables) return fatal(*this, tables.error().message);
  bool any = false;
  for (auto key : input_lines(input)) {
    for (const auto& m : *tables) {
      auto r = m->find(key);
      if (!r) return fatal(*this, r.error().message);
      if (!*r) continue;
      print_entry(*this, key, **r);
      any = true;
      break;
    }
  }
  return any ? 0 : kMapNotFound;
}

int MapTool::remove(const std::vector<std::string>& specs, const std::vector<std::string>& keys) const {
  bool any = false;
  for (const auto& s : specs) {
    if (auto tg = target(s, default_type); tg.type == "spamtrap") {  // unblocks clients
      auto b = maps::Blocklist::open(tg.name, config_dir);
      if (!b) return fatal(*this, b.error().message);
      for (const auto& k : keys) {
        auto gone = (*b)->erase(k);
        if (!gone) return fatal(*this, gone.error().message);
        any |= *gone;
      }
      continue;
    }
    auto path = index_of(*this, s, "-d");
    if (!path) return fatal(*this, path.error().message);
    auto table = maps::read_index(*path);
    if (!table) return fatal(*this, table.error().message);
    bool changed = false;
    for (const auto& k : keys) changed |= table->erase(fold ? lower(k) : k) > 0;
    if (!changed) continue;
    struct stat st {};
    int mode = ::stat(path->c_str(), &st) == 0 ? int(st.st_mode & 07777) : 0644;
    if (auto w = maps::write_index(*path, *table, mode); !w) return fatal(*this, w.error().message);
    any = true;
  }
  return any ? 0 : kMapNotFound;
}

int MapTool::dump(const std::vector<std::string>& specs) const {
  for (const auto& s : specs) {
    if (auto tg = target(s, default_type); tg.type == "spamtrap") {  // the stored records
      auto b = maps::Blocklist::open(tg.name, config_dir);
      if (!b) return fatal(*this, b.error().message);
      auto all = (*b)->entries();
      if (!all) return fatal(*this, all.error().message);
      for (const auto& [k, v] : *all) print_entry(*this, k, v);
      continue;
    }
    auto path = index_of(*this, s, "-s");
    if (!path) return fatal(*this, path.error().message);
    auto table = maps::read_index(*path);
    if (!table) return fatal(*this, table.error().message);
    for (const auto& [k, v] : *table) print_entry(*this, k, v);
  }
  return 0;
}

}  // namespace tern::cli
