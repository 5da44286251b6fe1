// Record framing; see wire.hpp.
#include "base/wire.hpp"

#include <cstring>

namespace tern::wire {

namespace {
template <class T>
void put_le(std::string& b, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) b.push_back(char((v >> (8 * i)) & 0xff));
}
template <class T>
T get_le(const char* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= T(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
}  // namespace

void Writer::u32(uint32_t v) { put_le(buf_, v); }
void Writer::u64(uint64_t v) { put_le(buf_, v); }
void Writer::f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  put_le(buf_, bits);
}
void Writer::str(std::string_view s) {
  u32(uint32_t(s.size()));
  buf_.append(s);
}

std::string Writer::frame(uint16_t type, uint16_t version) const {
  std::string out;
  out.reserve(buf_.size() + 8);
  put_le(out, uint32_t(buf_.size() + 4));
  put_le(out, type);
  put_le(out, version);
  out.append(buf_);
  return out;
}

bool Reader::take(size_t n, const char** out) {
  if (!ok_ || p_.size() < n) {
    ok_ = false;
    return false;
  }
  *out = p_.data();
  p_.remove_prefix(n);
  return true;
}

uint8_t Reader::u8() {
  const char* p;
  return take(1, &p) ? uint8_t(*p) : 0;
}
uint32_t Reader::u32() {
  const char* p;
  return take(4, &p) ? get_le<uint32_t>(p) : 0;
}
uint64_t Reader::u64() {
  const char* p;
  return take(8, &p) ? get_le<uint64_t>(p) : 0;
}
double Reader::f64() {
  uint64_t bits = u64();
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
std::string Reader::str() {
  uint32_t n = u32();
  const char* p;
  if (!take(n, &p)) return {};
  return std::string(p, n);
}

std::optional<Frame> FrameParser::next() {
  if (error_) return std::nullopt;
  size_t avail = buf_.size() - pos_;
  if (avail < 4) return std::nullopt;
  uint32_t len = get_le<uint32_t>(buf_.data() + pos_);
  if (len < 4 || len > kMaxFrame) {
    error_ = true;
    return std::nullopt;
  }
  if (avail < 4 + size_t(len)) return std::nullopt;
  Frame f;
  f.type = get_le<uint16_t>(buf_.data() + pos_ + 4);
  f.version = get_le<uint16_t>(buf_.data() + pos_ + 6);
  f.payload.assign(buf_, pos_ + 8, len - 4);
  pos_ += 4 + len;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > (1u << 20)) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return f;
}

}  // namespace tern::wire
