// Delivered-To: loop detection; see delivered.hpp.
#include "delivery/delivered.hpp"

#include "base/strings.hpp"

namespace tern::delivery {

bool delivered_to_seen(std::string_view content, std::string_view address) {
  std::string_view want = trim(address);
  size_t i = 0;
  while (i < content.size()) {
    size_t nl = content.find('\n', i);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(i, nl - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return false;  // end of the header
    // Folded continuations never start with the field name, so they cannot match.
    if (istarts_with(line, "delivered-to:") && iequals(trim(line.substr(13)), want)) return true;
    i = nl + 1;
  }
  return false;
}

}  // namespace tern::delivery
