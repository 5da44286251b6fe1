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

// UTF-8 to code points, strictly (no overlong forms, surrogates or values past U+10FFFF).
std::optional<std::vector<uint32_t>> utf8_code_points(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += len;
  }
  return out;
}

char encode_digit(uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }

// RFC 3492 §6.3.
std::optional<std::string> encode(const std::vector<uint32_t>& cps) {
  std::string out;
  for (uint32_t c : cps)
    if (c < 0x80) out += static_cast<char>(std::tolower(static_cast<int>(c)));
  const size_t b = out.size();
  if (b > 0) out += '-';
  uint32_t n = kInitialN, delta = 0, bias = kInitialBias;
  for (size_t h = b; h < cps.size();) {
    uint32_t m = UINT32_MAX;
    for (uint32_t c : cps)
      if (c >= n && c < m) m = c;
    if ((m - n) > (UINT32_MAX - delta) / (h + 1)) return std::nullopt;
    delta += (m - n) * static_cast<uint32_t>(h + 1);
    n = m;
    for (uint32_t c : cps) {
      if (c < n && ++delta == 0) return std::nullopt;
      if (c != n) continue;
      uint32_t q = delta;
      for (uint32_t k = kBase;; k += kBase) {
        uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
        if (q < t) break;
        out += encode_digit(t + (q - t) % (kBase - t));
        q = (q - t) / (kBase - t);
      }
      out += encode_digit(q);
      bias = adapt(delta, static_cast<uint32_t>(h + 1), h == b);
      delta = 0;
      ++h;
    }
    ++delta;
    ++n;
  }
  return out;
}

}  // namespace

std::optional<std::string> domain_to_ascii(std::string_view domain) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t dot = domain.find('.', pos);
    std::string_view label = domain.substr(pos, dot == std::string_view::npos ? domain.npos : dot - pos);
    bool ascii = true;
    for (unsigned char c : label) ascii = ascii && c < 0x80;
    if (ascii) {
      out += lower(label);
    } else {
      auto cps = utf8_code_points(label);
      if (!cps) return std::nullopt;
      auto enc = encode(*cps);
      if (!enc) return std::nullopt;
      out += "xn--" + *enc;
    }
    if (dot == std::string_view::npos) return out;
    out += '.';
    pos = dot + 1;
  }
}

std::optional<std::string> label_to_unicode(std::string_view label) {
  if (!istarts_with(label, "xn--")) return std::string(label);
  auto cps = decode(label.substr(4));
  if (!cps || cps->empty()) return std::nullopt;
  std::string out;
  for (uint32_t cp : *cps) append_utf8(out, cp < 0x80 ? static_cast<uint32_t>(std::tolower(static_cast<int>(cp))) : cp);
  return out;
}

}  // namespace tern::dmarc
