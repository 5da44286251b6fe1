// Opening the pattern and composite table types (regexp_table(5), pcre_table(5),
// cidr_table(5), unionmap:/pipemap: from DATABASE_README, sqlite_table(5)). Internal to
// maps/: callers use open_map(). The parse_* functions take the source text directly and
// are exposed for tests and fuzzing; `file` names it in messages.
#pragma once
#include "maps/lookup.hpp"

namespace tern::maps {

Result<std::unique_ptr<Lookup>> parse_regexp_table(std::string spec, std::string_view text,
                                                   const std::string& file);
Result<std::unique_ptr<Lookup>> parse_pcre_table(std::string spec, std::string_view text,
                                                 const std::string& file);
Result<std::unique_ptr<Lookup>> parse_cidr_table(std::string spec, std::string_view text,
                                                 const std::string& file);

// One expression compiled as a pcre: table compiles a pattern with `flags` ("" keeps
// Postfix's defaults: caseless, dotall), for PCRE users outside tables (the greylist's
// postgrey-format whitelists). The Matcher is declared in pattern_rules.hpp.
class Matcher;
Result<std::unique_ptr<Matcher>> compile_pcre(std::string_view expression, std::string_view flags);

// `name` is the part after "regexp:" etc.: a file, or "{ {rule}, … }" inline.
Result<std::unique_ptr<Lookup>> open_regexp(std::string_view spec, std::string_view name,
                                            const OpenContext& ctx);
Result<std::unique_ptr<Lookup>> open_pcre(std::string_view spec, std::string_view name,
                                          const OpenContext& ctx);
Result<std::unique_ptr<Lookup>> open_cidr(std::string_view spec, std::string_view name,
                                          const OpenContext& ctx);

// unionmap:{type:name, …} and pipemap:{type:name, …}; `name` is the braced list.
Result<std::unique_ptr<Lookup>> open_unionmap(std::string_view spec, std::string_view name,
                                              const OpenContext& ctx);
Result<std::unique_ptr<Lookup>> open_pipemap(std::string_view spec, std::string_view name,
                                             const OpenContext& ctx);

// sqlite:/path/to/file.cf
Result<std::unique_ptr<Lookup>> open_sqlite(std::string_view spec, std::string_view name,
                                            const OpenContext& ctx);

}  // namespace tern::maps
