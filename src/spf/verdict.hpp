// The seven results of an SPF check (RFC 7208 §2.6) and their names as they appear in
// Received-SPF, Authentication-Results, logs and `tern check spf`.
#pragma once
#include <optional>
#include <string_view>

namespace tern::spf {

enum class Verdict { none, neutral, pass, fail, softfail, temperror, permerror };

std::string_view verdict_name(Verdict v);                    // "pass", "temperror", ...
std::optional<Verdict> parse_verdict(std::string_view name);  // case-insensitive

}  // namespace tern::spf
