#include "dmarc/punycode.hpp"

#include <cctype>
#include <cstdint>
#include <vector>

#include "base/strings.hpp"

namespace tern::dmarc {

namespace {

// RFC 3492 §5 parameters.
constexpr uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
constexpr uint32_t kInitialBias = 72, kInitialN = 128;

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0' + 26;
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  return -1;
}

uint32_t adapt(uint32_t delta, uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  uint32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// RFC 3492 §6.2, with its overflow checks.
std::optional<std::vector<uint32_t>> decode(std::string_view in) {
  std::vector<uint32_t> out;
  size_t basic = in.rfind('-');
  if (basic == std::string_view::npos) basic = 0;
  for (size_t j = 0; j < basic; ++j) {
    if (static_cast<unsigned char>(in[j]) >= 0x80) return std::nullopt;
    out.push_back(static_cast<unsigned char>(in[j]));
  }
  uint32_t n = kInitialN, i = 0, bias = kInitialBias;
  for (size_t pos = basic > 0 ? basic + 1 : 0; pos < in.size();) {
    uint32_t oldi = i, w = 1;
    for (uint32_t k = kBase;; k += kBase) {
      if (pos >= in.size()) return std::nullopt;
      int d = digit_value(in[pos++]);
      if (d < 0 || static_cast<uint32_t>(d) > (UINT32_MAX - i) / w) return std::nullopt;
      i += static_cast<uint32_t>(d) * w;
      uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
      if (static_cast<uint32_t>(d) < t) break;
      if (w > UINT32_MAX / (kBase - t)) return std::nullopt;
      w *= kBase - t;
    }
    uint32_t len = static_cast<uint32_t>(out.size()) + 1;
    bias = adapt(i - oldi, len, oldi == 0);
    if (i / len > UINT32_MAX - n) return std::nullopt;
    n += i / len;
    i %= len;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || n < 0x80) return std::nullopt;
    out.insert(out.begin() + i, n);
    ++i;
  }
  return out;
}

}  // namespace

std::optional<std::string> label_to_unicode(std::string_view label) {
  if (!istarts_with(label, "xn--")) return std::string(label);
  auto cps = decode(label.substr(4));
  if (!cps || cps->empty()) return std::nullopt;
  std::string out;
  for (uint32_t cp : *cps) append_utf8(out, cp < 0x80 ? static_cast<uint32_t>(std::tolower(static_cast<int>(cp))) : cp);
  return out;
}

}  // namespace tern::dmarc
