// Strict base64 (RFC 4648 section 4, the alphabet RFC 4954 uses for AUTH exchanges):
// encoding, and decoding that refuses anything but canonical text — no whitespace, no
// characters outside the alphabet, padding only at the end and only to a multiple of 4.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace tern::sasl {

std::string base64_encode(std::string_view bytes);

// The decoded bytes, or nullopt when `text` is not strict base64. "" decodes to "".
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tern::sasl
