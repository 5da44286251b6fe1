// DATA payload encoding; see content.hpp.
#include "delivery/smtp/content.hpp"

#include <algorithm>

namespace tern::delivery::smtp {

std::string data_payload(std::string_view content, size_t line_limit) {
  std::string out;
  out.reserve(content.size() + content.size() / 16 + 8);
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    size_t end = nl == std::string_view::npos ? content.size() : nl;
    std::string_view line = content.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with('.')) out.push_back('.');
    // Each continuation starts with the inserted space, so it never needs dot-stuffing.
    while (line_limit > 0 && line.size() > line_limit) {
      out.append(line.substr(0, line_limit)).append("\r\n ");
      line.remove_prefix(line_limit);
    }
    out.append(line).append("\r\n");
    pos = end + 1;
  }
  out.append(".\r\n");
  return out;
}

bool has_8bit(std::string_view content) {
  return std::any_of(content.begin(), content.end(), [](char c) { return static_cast<unsigned char>(c) & 0x80; });
}

}  // namespace tern::delivery::smtp
