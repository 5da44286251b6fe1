// The parameter table; see params.hpp.
#include "config/params.hpp"

#include <algorithm>
#include <unordered_map>

namespace tern::config {

namespace {
constexpr ParamSpec kTable[] = {
#define PARAM(T, field, name, def, lo, hi, doc) {Type::T, name, def, lo, hi, doc},
#include "config/params.def"
#undef PARAM
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

std::span<const ParamSpec> param_table() { return kTable; }

const ParamSpec* find_param(std::string_view name) {
  static const auto index = [] {
    std::unordered_map<std::string_view, const ParamSpec*> m;
    for (const auto& p : kTable) m.emplace(p.name, &p);
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Str: return "string";
    case Type::Bool: return "boolean";
    case Type::Int: return "integer";
    case Type::Time: return "time";
    case Type::Size: return "size";
    case Type::List: return "list";
  }
  return "?";
}

bool is_path_param(std::string_view name) {
  if (name == "allow_mail_to_files") return false;  // a list of classes (alias, forward, include)
  return ends_with(name, "_file") || ends_with(name, "_files") || ends_with(name, "_directory") ||
         ends_with(name, "CAfile") || ends_with(name, "CApath");
}

}  // namespace tern::config
