// Typed, versioned records between roles. A frame is
//   u32 length (of what follows) | u16 type | u16 version | payload
// and a payload is a sequence of fixed-width little-endian integers and length-prefixed
// strings. A Reader checks every field and that it read exactly to the end: a malformed
// record from a sibling is a broken invariant, and the receiver treats it as fatal.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::wire {

constexpr size_t kMaxFrame = 256u << 20;

class Writer {
 public:
  void u8(uint8_t v) { buf_.push_back(char(v)); }
  void u32(uint32_t v);
  void u64(uint64_t v);
  void f64(double v);
  void str(std::string_view s);
  // Wraps the payload into a frame.
  std::string frame(uint16_t type, uint16_t version) const;
  const std::string& payload() const { return buf_; }

 private:
  std::string buf_;
};

class Reader {
 public:
  explicit Reader(std::string_view payload) : p_(payload) {}
  uint8_t u8();
  uint32_t u32();
  uint64_t u64();
  double f64();
  std::string str();
  bool ok() const { return ok_; }
  // True when every read succeeded and nothing is left over.
  bool finish() const { return ok_ && p_.empty(); }

 private:
  bool take(size_t n, const char** out);
  std::string_view p_;
  bool ok_ = true;
};

struct Frame {
  uint16_t type = 0;
  uint16_t version = 0;
  std::string payload;
};

// Incremental frame splitter over a byte stream.
class FrameParser {
 public:
  void feed(std::string_view bytes) { buf_.append(bytes); }
  // The next complete frame, nullopt when more bytes are needed. Sets error() when the
  // stream is malformed (oversized or truncated header).
  std::optional<Frame> next();
  bool error() const { return error_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
  bool error_ = false;
};

}  // namespace tern::wire
