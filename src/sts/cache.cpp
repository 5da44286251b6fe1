#include "sts/cache.hpp"

#include <errno.h>
#include <unistd.h>
#include <fmt/format.h>

#include "base/file.hpp"
#include "base/strings.hpp"

namespace tern::sts {

std::string format_entry(const CachedPolicy& c) {
  return fmt::format("id: {}\nfetched: {}\n\n{}", c.id, static_cast<long long>(c.fetched),
                     format_policy(c.policy));
}

Result<CachedPolicy> parse_entry(std::string_view text) {
  size_t blank = text.find("\n\n");
  if (blank == std::string_view::npos) return Error{"no blank line after the entry's header"};
  std::string_view head = text.substr(0, blank + 1);
  CachedPolicy c;
  bool have_fetched = false;
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head.remove_prefix(nl + 1);
    if (line.substr(0, 4) == "id: ") {
      c.id = std::string(line.substr(4));
    } else if (line.substr(0, 9) == "fetched: ") {
      auto v = parse_int(line.substr(9));
      if (!v || *v < 0) return Error{"bad fetched time"};
      c.fetched = std::time_t(*v);
      have_fetched = true;
    } else {
      return Error{fmt::format("unknown line {}", printable(line, 60))};
    }
  }
  if (c.id.empty() || !have_fetched) return Error{"id or fetched time missing"};
  auto p = parse_policy(text.substr(blank + 2));
  if (!p) return Error{"policy: " + p.error().message};
  c.policy = std::move(*p);
  return c;
}

Result<std::string> PolicyCache::path_for(std::string_view domain) const {
  // The file name is the domain itself, so only host-name characters may reach it.
  if (domain.empty() || domain.size() > 253 || domain.front() == '.')
    return Error{fmt::format("bad domain name {}", printable(domain, 80))};
  for (char c : domain)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '.' || c == '_'))
      return Error{fmt::format("bad domain name {}", printable(domain, 80))};
  return dir_ + "/" + lower(domain);
}

Result<std::optional<CachedPolicy>> PolicyCache::load(std::string_view domain) const {
  auto path = path_for(domain);
  if (!path) return path.error();
  if (::access(path->c_str(), F_OK) != 0 && errno == ENOENT) return std::optional<CachedPolicy>{};
  auto text = read_file(*path);
  if (!text) return text.error();
  auto c = parse_entry(*text);
  if (!c) return Error{fmt::format("{}: {}", *path, c.error().message)};
  return std::optional<CachedPolicy>(std::move(*c));
}

Status PolicyCache::store(std::string_view domain, const CachedPolicy& c) const {
  auto path = path_for(domain);
  if (!path) return path.error();
  if (auto st = make_dirs(dir_, 0700); !st) return st;
  return atomic_write_file(*path, format_entry(c), 0600);
}

}  // namespace tern::sts
