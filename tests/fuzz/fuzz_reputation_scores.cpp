// The check_reputation score table parsers: one input is read as a "HIT MISS" value, a
// DNSBL/RHSBL list value and as a whole table (each line "key value"); whatever parses
// must hold finite scores, valid zone names and log names, and survive a second parse of
// its own printed form.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "policy/reputation_scores.hpp"

using namespace tern;
using namespace tern::policy::reputation;

namespace {
void must(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto d = parse_decimal(in); d) must(std::isfinite(*d));
  if (auto s = parse_score(in); s) must(std::isfinite(s->hit) && std::isfinite(s->miss));
  if (auto lists = parse_blocklists(in); lists) {
    std::string printed;
    for (const auto& b : *lists) {
      must(!b.zone.empty() && b.zone.back() != '.' && !b.log_name.empty());
      must(std::isfinite(b.hit) && std::isfinite(b.miss));
      printed += fmt::format("{}{} {:.17g} {:.17g} {}", printed.empty() ? "" : ", ", b.zone, b.hit, b.miss, b.log_name);
    }
    if (!lists->empty()) {
      auto again = parse_blocklists(printed);
      must(again.ok() && again->size() == lists->size());
    }
  }
  std::map<std::string, std::string, std::less<>> table;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t nl = in.find('\n', pos);
    std::string_view line = in.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? in.size() : nl + 1;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    table.emplace(std::string(line.substr(0, sp)), std::string(line.substr(sp + 1)));
  }
  auto scores = read_scores([&](std::string_view key) -> Result<maps::Found> {
    auto it = table.find(key);
    if (it == table.end()) return maps::Found{};
    return maps::Found{it->second};
  });
  if (scores)
    for (const auto& c : scores->checks) must(std::isfinite(c.hit) && std::isfinite(c.miss));
  return 0;
}
