// Punycode (RFC 3492) decoding of IDNA A-labels ("xn--55qx5d" -> "公司" in UTF-8), so that
// a domain written in either form matches the Public Suffix List, which holds U-labels.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace tern::dmarc {

// The UTF-8 form of one label: an "xn--" label decoded, any other label unchanged.
// nullopt when an "xn--" label is not valid Punycode.
std::optional<std::string> label_to_unicode(std::string_view label);

}  // namespace tern::dmarc
