// The parameter table (params.def) as data, and the typed snapshot it generates.
// Each PARAM line declares name, type, default, bounds and description once; `Params`
// holds one typed field per parameter, filled once per configuration load, so components
// read `cfg.params.myhostname`, never a name looked up at run time.
#pragma once
#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::config {

enum class Type { Str, Bool, Int, Time, Size, List };

struct ParamSpec {
  Type type;
  std::string_view name;
  std::string_view def;   // the default as main.cf text ("" for computed ones)
  long long min;          // bounds for Int/Time(seconds)/Size; max 0 = none
  long long max;
  std::string_view doc;
};

std::span<const ParamSpec> param_table();
const ParamSpec* find_param(std::string_view name);
std::string_view type_name(Type t);

using Str = std::string;
using Bool = bool;
using Int = long long;
using Time = std::chrono::seconds;
using Size = long long;
using List = std::vector<std::string>;

struct Params {
#define PARAM(T, field, name, def, lo, hi, doc) T field{};
#include "config/params.def"
#undef PARAM
};

// Paths named by these parameters resolve against the configuration directory.
bool is_path_param(std::string_view name);

}  // namespace tern::config
