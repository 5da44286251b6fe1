// parse_main_cf; when it parses, edit_main_cf (replace, add, remove) and reparse.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/main_cf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::config;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = parse_main_cf(in, "main.cf");
  if (!p.ok()) {
    if (p.error().message.rfind("main.cf:", 0) != 0) __builtin_trap();  // errors name file:line
    if (edit_main_cf(in, {{"x", "y"}}, "main.cf").ok()) __builtin_trap();
    return 0;
  }
  // Edits name distinct parameters (one edit per name: set, replace, remove).
  std::vector<Edit> edits;
  if (!p->count("fuzz_added")) edits.push_back({"fuzz_added", "value with spaces"});
  for (auto it = p->begin(); it != p->end() && edits.size() < 3; ++it)
    if (it->first != "fuzz_added")
      edits.push_back({it->first, edits.size() < 2 ? std::optional<std::string>("replaced") : std::nullopt});
  auto edited = edit_main_cf(in, edits, "main.cf");
  if (!edited.ok()) __builtin_trap();
  auto again = parse_main_cf(*edited, "main.cf");
  if (!again.ok()) __builtin_trap();
  for (const auto& e : edits) {
    auto it = again->find(e.name);
    if (e.value) {
      if (it == again->end() || it->second.value != *e.value) __builtin_trap();
    } else if (it != again->end()) {
      __builtin_trap();
    }
  }
  for (const auto& [name, v] : *p) {  // untouched names keep their values
    bool touched = false;
    for (const auto& e : edits) touched |= e.name == name;
    if (!touched && (!again->count(name) || again->at(name).value != v.value)) __builtin_trap();
  }
  return 0;
}
