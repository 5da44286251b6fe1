// Domain lists; see domains.hpp.
#include "route/domains.hpp"

#include "base/file.hpp"
#include "base/strings.hpp"

namespace tern::route {

namespace {

Status add_entry(std::vector<std::string>& out, std::string_view entry, std::string_view param,
                 const maps::OpenContext& ctx, int depth);

// "/file/name": more entries, one or more per line.
Status add_file(std::vector<std::string>& out, std::string_view path, std::string_view param,
                const maps::OpenContext& ctx, int depth) {
  if (depth > 10) return Error{std::string(param) + ": files nested too deeply at " + std::string(path)};
  auto text = read_file(std::string(path));
  if (!text) return Error{std::string(param) + ": " + text.error().message};
  for (auto line : split_any(*text, "\n")) {
    auto hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    for (auto word : split_any(line, " \t\r,"))
      if (auto st = add_entry(out, word, param, ctx, depth + 1); !st) return st;
  }
  return ok_status();
}

Status add_entry(std::vector<std::string>& out, std::string_view entry, std::string_view param,
                 const maps::OpenContext& ctx, int depth) {
  entry = trim(entry);
  if (entry.empty()) return ok_status();
  if (entry.front() == '/') return add_file(out, entry, param, ctx, depth);
  out.emplace_back(entry);
  return ok_status();
}

}  // namespace

bool parent_matches_subdomains(const std::vector<std::string>& setting, std::string_view param) {
  for (const auto& n : setting)
    if (n == param) return true;
  return false;
}

Result<DomainList> DomainList::make(const std::vector<std::string>& entries, std::string_view param,
                                    bool match_subdomains, const maps::OpenContext& ctx) {
  std::vector<std::string> flat;
  for (const auto& e : entries)
    if (auto st = add_entry(flat, e, param, ctx, 0); !st) return st.error();
  DomainList d;
  d.subdomains_ = match_subdomains;
  for (std::string_view e : flat) {
    Entry entry;
    if (e.front() == '!') {
      entry.negated = true;
      e.remove_prefix(1);
    }
    if (e.find(':') != std::string_view::npos && e.front() != '[') {
      auto t = maps::open_map(e, ctx);
      if (!t) return Error{std::string(param) + ": " + t.error().message};
      entry.table = std::move(*t);
      entry.name = std::string(e);
    } else {
      entry.name = lower(e);
      while (!entry.name.empty() && entry.name.back() == '.') entry.name.pop_back();
      if (entry.name.empty()) return Error{std::string(param) + ": empty domain name in \"" + std::string(e) + "\""};
    }
    d.entries_.push_back(std::move(entry));
  }
  return d;
}

Result<std::string> DomainList::matching_entry(std::string_view domain) const {
  std::string d = lower(domain);
  while (!d.empty() && d.back() == '.') d.pop_back();
  if (d.empty()) return std::string();
  auto is_sub = [&](std::string_view parent) {
    return d.size() > parent.size() && d.ends_with(parent) && d[d.size() - parent.size() - 1] == '.';
  };
  for (const auto& e : entries_) {
    bool hit = false;
    if (e.table) {
      // The domain itself, then each parent as Postfix's match_list looks up fixed
      // tables: "parent" for parent-matching lists, else ".parent".
      std::string_view key = d;
      while (!hit) {
        auto r = e.table->find(key);
        if (!r) return Error{"domain lookup in " + e.name + ": " + r.error().message};
        if (*r) { hit = true; break; }
        if (!e.table->fixed_keys()) break;
        auto dot = key.find('.', subdomains_ ? 0 : 1);
        if (dot == std::string_view::npos) break;
        key = key.substr(subdomains_ ? dot + 1 : dot);
      }
    } else if (e.name.front() == '.') {
      hit = is_sub(std::string_view(e.name).substr(1));
    } else {
      hit = e.name == d || (subdomains_ && is_sub(e.name));
    }
    if (hit) return e.negated ? std::string() : e.name;
  }
  return std::string();
}

Result<bool> DomainList::matches(std::string_view domain) const {
  auto e = matching_entry(domain);
  if (!e) return e.error();
  return !e->empty();
}

}  // namespace tern::route
