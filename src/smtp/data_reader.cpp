// DATA parsing; see data_reader.hpp.
#include "smtp/data_reader.hpp"

#include <cstdint>
#include <cstring>

namespace tern::smtp {

void DataReader::line(std::string_view text, bool crlf, bool truncated) {
  if (!crlf) bare_lf_ = true;
  if (truncated) {  // longer than any message we keep: count it, never take it for "."
    prev_crlf_ = crlf;
    too_big_ = true;
    size_ += text.size() + 1;
    return;
  }
  if (crlf && prev_crlf_ && text == ".") {
    done_ = true;
    return;
  }
  prev_crlf_ = crlf;
  // A lone "." that did not end the message (bare LF around it) was not dot-stuffed by
  // the client (that would be ".."): keep it as sent.
  if (text.size() > 1 && text.front() == '.') text.remove_prefix(1);
  size_ += text.size() + 1;
  if (size_ > max_size_) {
    too_big_ = true;
    return;
  }
  content_.append(text);
  content_.push_back('\n');
}

size_t DataReader::feed(std::string_view in) {
  size_t pos = 0;
  while (!done_ && pos < in.size()) {
    const void* nl = std::memchr(in.data() + pos, '\n', in.size() - pos);
    if (!nl) {
      partial_.append(in.substr(pos));
      // A line longer than the size limit cannot be kept anyway: keep only its start.
      size_t cap = max_size_ > SIZE_MAX - 2 ? SIZE_MAX : max_size_ + 2;
      if (partial_.size() > cap) {  // keep the last byte: a CR whose LF comes in the next read
        char last = partial_.back();
        partial_.resize(cap > 0 ? cap - 1 : 0);
        partial_.push_back(last);
        partial_truncated_ = true;
      }
      return in.size();
    }
    size_t end = size_t(static_cast<const char*>(nl) - in.data());
    std::string_view text = in.substr(pos, end - pos);
    if (!partial_.empty()) {
      partial_.append(text);
      text = partial_;
    }
    bool crlf = !text.empty() && text.back() == '\r';
    if (crlf) text.remove_suffix(1);
    line(text, crlf, partial_truncated_);
    partial_.clear();
    partial_truncated_ = false;
    pos = end + 1;
  }
  return pos;
}

}  // namespace tern::smtp
