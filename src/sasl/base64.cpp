// Strict base64; see base64.hpp.
#include "sasl/base64.hpp"

#include <array>
#include <cstdint>

namespace tern::sasl {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (size_t i = 0; i < kAlphabet.size(); ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kTable = make_table();

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 |
                 uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
  if (rest == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
  out += kAlphabet[(v >> 18) & 63];
  out += kAlphabet[(v >> 12) & 63];
  out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
  out += '=';
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  for (size_t i = 0; i < text.size() - pad; ++i) {
    int8_t d = kTable[static_cast<uint8_t>(text[i])];
    if (d < 0) return std::nullopt;  // includes a '=' before the final padding
    acc = acc << 6 | uint32_t(d);
    if (i % 4 == 3) {
      out += char(acc >> 16);
      out += char(acc >> 8);
      out += char(acc);
      acc = 0;
    }
  }
  if (pad == 2) {
    if (acc & 0xF) return std::nullopt;  // non-canonical: leftover bits must be zero
    out += char(acc >> 4);
  } else if (pad == 1) {
    if (acc & 0x3) return std::nullopt;
    out += char(acc >> 10);
    out += char(acc >> 2);
  }
  return out;
}

}  // namespace tern::sasl
