// Punycode (RFC 3492) for IDNA labels: decoding A-labels ("xn--55qx5d" -> "公司" in UTF-8),
// so a domain written in either form matches the Public Suffix List, which holds
// U-labels; and encoding a UTF-8 domain (an SMTPUTF8 From) into the A-labels the DNS is
// asked with. No Unicode normalization or IDNA2008 code point checks are done.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace tern::dmarc {

// The UTF-8 form of one label: an "xn--" label decoded, any other label unchanged.
// nullopt when an "xn--" label is not valid Punycode.
std::optional<std::string> label_to_unicode(std::string_view label);

// "bücher.example" -> "xn--bcher-kva.example"; ASCII labels are lower-cased and kept.
// nullopt for invalid UTF-8.
std::optional<std::string> domain_to_ascii(std::string_view domain);

}  // namespace tern::dmarc
