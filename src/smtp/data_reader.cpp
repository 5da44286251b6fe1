// DATA parsing; see data_reader.hpp.
#include "smtp/data_reader.hpp"

#include <cstring>

namespace tern::smtp {

void DataReader::line(std::string_view text, bool crlf) {
  if (crlf && prev_crlf_ && text == ".") {
    done_ = true;
    return;
  }
  prev_crlf_ = crlf;
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
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
      if (partial_.size() > max_size_ + 2) partial_.resize(max_size_ + 2);
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
    line(text, crlf);
    partial_.clear();
    pos = end + 1;
  }
  return pos;
}

}  // namespace tern::smtp
