// Blocklist records; see block_record.hpp.
#include "maps/block_record.hpp"

#include <charconv>

#include "base/strings.hpp"

namespace tern::maps {

namespace {

// Spaces and control characters cannot appear in the fields before the action.
std::string field_text(std::string_view s, size_t max) {
  std::string out = printable(s, max);
  for (char& c : out)
    if (c == ' ') c = '?';
  return out;
}

// "name=value" at the front of `rest`, up to the next space; `rest` moves past it.
std::optional<std::string_view> take(std::string_view& rest, std::string_view name) {
  if (!rest.starts_with(name) || rest.size() <= name.size() || rest[name.size()] != '=') return std::nullopt;
  size_t end = rest.find(' ');
  std::string_view value = rest.substr(name.size() + 1, end == std::string_view::npos ? std::string_view::npos
                                                                                        : end - name.size() - 1);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return value;
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  if (s.empty() || s.size() > 20 || s.front() == '-' || s.front() == '+') return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string format_block_record(const BlockRecord& r) {
  return "v1 since=" + std::to_string(r.since) + " until=" + std::to_string(r.until) +
         " hits=" + std::to_string(r.hits) + " trap=<" + field_text(r.trap, 300) +
         "> action=" + printable(r.action, 500);
}

Result<BlockRecord> parse_block_record(std::string_view line) {
  if (!line.starts_with("v1 ")) return Error{"not a version 1 blocklist record"};
  std::string_view rest = line.substr(3);
  BlockRecord r;
  auto since = take(rest, "since");
  if (!since || !(number<int64_t>(*since))) return Error{"bad or missing since="};
  r.since = *number<int64_t>(*since);
  auto until = take(rest, "until");
  if (!until || !number<int64_t>(*until)) return Error{"bad or missing until="};
  r.until = *number<int64_t>(*until);
  if (r.until < r.since) return Error{"until= is before since="};
  auto hits = take(rest, "hits");
  if (!hits || !number<uint32_t>(*hits)) return Error{"bad or missing hits="};
  r.hits = *number<uint32_t>(*hits);
  auto trap = take(rest, "trap");
  if (!trap || trap->size() < 2 || trap->front() != '<' || trap->back() != '>') return Error{"bad or missing trap="};
  r.trap = std::string(trap->substr(1, trap->size() - 2));
  if (!rest.starts_with("action=")) return Error{"missing action="};
  std::string_view action = rest.substr(7);
  if (trim(action).empty()) return Error{"empty action="};
  for (char c : action)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error{"control character in action="};
  r.action = std::string(action);
  return r;
}

}  // namespace tern::maps
