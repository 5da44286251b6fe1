// Postfix's $name expansion: $name, ${name}, $(name), $$, ${name?value}, ${name:value},
// ${name?{value}}, ${name:{value}} and ${name?{then}:{else}}. Values are expanded
// recursively; an undefined name expands to nothing; a reference loop is an error.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::config {

// Returns the unexpanded value of a parameter, or nullopt when it is not defined.
using RawLookup = std::function<std::optional<std::string>(std::string_view name)>;

Result<std::string> expand(std::string_view text, const RawLookup& lookup);

// The names `text` refers to (for the "unused parameter" warning).
void referenced_names(std::string_view text, const std::function<void(std::string_view)>& f);

}  // namespace tern::config
