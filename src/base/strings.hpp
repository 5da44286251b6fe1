// String helpers with no mail knowledge: trimming, splitting, case folding, and making
// untrusted text safe to log.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern {

std::string_view trim(std::string_view s);
// Trims only SP and HTAB (RFC 5234 WSP), as record grammars like RFC 8461's and 8460's do.
std::string_view trim_wsp(std::string_view s);
std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

// Splits on any of `seps`, dropping empty pieces (Postfix's mystrtok semantics).
std::vector<std::string_view> split_any(std::string_view s, std::string_view seps);

// Postfix list syntax: separators are comma and whitespace, and "{ ... }" groups a
// token that may contain them (the braces are removed).
std::vector<std::string> split_list(std::string_view s);

// Untrusted text for a log line: non-printables become '?', cut at `max` bytes.
std::string printable(std::string_view s, size_t max = 256);

std::optional<long long> parse_int(std::string_view s);

// The value of a hexadecimal digit, -1 for anything else (`upper_only`: RFC 3461 xtext).
int hex_digit(char c, bool upper_only = false);

}  // namespace tern
