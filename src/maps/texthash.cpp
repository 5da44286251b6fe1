// texthash:/path — a postmap(1) source file read into memory at open.
#include "base/file.hpp"
#include "base/strings.hpp"
#include "maps/tables.hpp"

namespace tern::maps {

Result<std::unordered_map<std::string, std::string>> parse_table_source(std::string_view text,
                                                                        const std::string& file) {
  std::unordered_map<std::string, std::string> out;
  std::string key, value;
  int key_line = 0;
  auto flush = [&] {
    if (!key.empty()) out[lower(key)] = std::string(trim(value));
    key.clear();
    value.clear();
  };
  int lineno = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(i, nl - i);
    i = nl + 1;
    ++lineno;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    auto t = trim(l);
    if (t.empty() || t.front() == '#') continue;
    if (l.front() == ' ' || l.front() == '\t') {
      if (key.empty())
        return Error{file + ":" + std::to_string(lineno) +
                     ": continuation line without a key before it"};
      value += ' ';
      value += t;
      continue;
    }
    flush();
    size_t sp = t.find_first_of(" \t");
    if (sp == std::string_view::npos)
      return Error{file + ":" + std::to_string(lineno) + ": expected \"key whitespace value\": \"" +
                   printable(t, 80) + "\""};
    key = std::string(t.substr(0, sp));
    value = std::string(trim(t.substr(sp)));
    key_line = lineno;
  }
  (void)key_line;
  flush();
  return out;
}

Result<std::unique_ptr<Lookup>> open_texthash(std::string_view spec, const std::string& path) {
  auto text = read_file(path);
  if (!text) return Error{"table \"" + std::string(spec) + "\": " + text.error().message};
  auto entries = parse_table_source(*text, path);
  if (!entries) return entries.error();
  return std::unique_ptr<Lookup>(new MemoryMap(std::string(spec), std::move(*entries)));
}

}  // namespace tern::maps
