// The '%' templates of Postfix's SQL tables (sqlite_table(5) "query" and
// "result_format"): %% %s %u %d, %S %U %D (always the input key), %1..%9 (the key's domain
// labels, %1 the rightmost). A template that cannot be filled for this key (no domain for
// %d, an empty local part for %u, too few labels for %3) suppresses the query, or skips
// the result value. Internal to maps/; no database knowledge.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::maps {

// Checks every '%' escape of a template at open time; `what` names it in the message.
Status check_sql_template(std::string_view tmpl, std::string_view what);

// Expands the query template for `key`, quoting each substitution with `quote` (the
// database's string-literal escaping). nullopt: the query is suppressed (not found).
std::optional<std::string> expand_sql_query(std::string_view tmpl, std::string_view key,
                                            const std::function<std::string(std::string_view)>& quote);

// Expands result_format for one result `value` of the lookup of `key`. nullopt: this
// value is skipped.
std::optional<std::string> expand_sql_result(std::string_view fmt, std::string_view value,
                                             std::string_view key);

}  // namespace tern::maps
