// The DATA phase as an incremental parser: bytes in, message content out. Removes
// dot-stuffing, turns CRLF into LF (the queue stores LF), and ends only at
// CRLF "." CRLF — a bare LF or bare CR never ends the message, so no byte sequence makes
// one DATA become two messages (SMTP smuggling). Content beyond `max_size` is counted
// but not kept; the caller replies 552 at the end.
#pragma once
#include <string>
#include <string_view>

namespace tern::smtp {

class DataReader {
 public:
  explicit DataReader(size_t max_size) : max_size_(max_size) {}

  // Consumes bytes up to and including the end marker; returns how many it consumed.
  size_t feed(std::string_view in);
  bool done() const { return done_; }
  bool too_big() const { return too_big_; }
  bool bare_lf() const { return bare_lf_; }  // some line ended in LF without CR
  size_t size() const { return size_; }  // content bytes seen (after unstuffing)
  std::string& content() { return content_; }

 private:
  void line(std::string_view text, bool crlf, bool truncated);

  std::string content_;
  std::string partial_;           // an incomplete line carried between feeds
  size_t max_size_;
  size_t size_ = 0;
  bool partial_truncated_ = false; // the carried line was cut: it can never be the end marker
  bool prev_crlf_ = true;         // the previous line ended in CRLF (DATA itself did)
  bool done_ = false;
  bool too_big_ = false;
  bool bare_lf_ = false;
};

}  // namespace tern::smtp
