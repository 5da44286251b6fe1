// Envelope address syntax; see address.hpp.
#include "smtp/address.hpp"

#include <cctype>
#include <string>

#include "base/strings.hpp"

namespace tern::smtp {

namespace {
bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }
}  // namespace

Result<std::string> parse_mailbox_path(std::string_view path) {
  if (path.empty()) return std::string();
  if (path.size() > 512) return Error{"address too long"};
  if (path.front() == '@') {  // source route: @a,@b:mailbox
    size_t colon = path.find(':');
    if (colon == std::string_view::npos) return Error{"bad source route"};
    path = path.substr(colon + 1);
    if (path.empty()) return Error{"source route without a mailbox"};
  }
  bool quoted = false;
  for (size_t i = 0; i < path.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(path[i]);
    if (quoted && c == '\\' && i + 1 < path.size()) {
      if (is_ctl(static_cast<unsigned char>(path[i + 1]))) return Error{"control character in address"};
      ++i;
      continue;
    }
    if (c == '"') { quoted = !quoted; continue; }
    if (is_ctl(c)) return Error{"control character in address"};
    if (!quoted && (c == ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == ','))
      return Error{"bad character in address"};
  }
  if (quoted) return Error{"unterminated quoted string in address"};
  auto s = split_address(path);
  if (s.local.empty() && !s.domain.empty()) return Error{"empty local part"};
  if (path.back() == '@') return Error{"empty domain"};
  return std::string(path);
}

SplitAddress split_address(std::string_view addr) {
  // The last '@' outside quotes separates the domain.
  size_t at = std::string_view::npos;
  bool quoted = false;
  for (size_t i = 0; i < addr.size(); ++i) {
    if (addr[i] == '\\' && quoted) { ++i; continue; }
    if (addr[i] == '"') quoted = !quoted;
    else if (addr[i] == '@' && !quoted) at = i;
  }
  if (at == std::string_view::npos) return {addr, {}};
  return {addr.substr(0, at), addr.substr(at + 1)};
}

std::string qualify_address(std::string_view addr, std::string_view domain) {
  std::string out(addr);
  if (out.find('@') == std::string::npos) out += "@" + std::string(domain);
  return out;
}

Extension split_extension(std::string_view local, std::string_view delims, bool owner_request_special) {
  if (delims.empty()) return {local, {}, 0};
  // Postfix's owner_request_special: with '-' as a delimiter, "owner-list" and
  // "list-request" are list addresses, not extensions.
  if (owner_request_special && delims.find('-') != std::string_view::npos) {
    std::string l = std::string(local);
    for (auto& ch : l) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    if (l.rfind("owner-", 0) == 0 || (l.size() > 8 && l.compare(l.size() - 8, 8, "-request") == 0))
      return {local, {}, 0};
  }
  size_t pos = local.find_first_of(delims);
  // Postfix: "owner-foo" and delimiter-leading names are not split; neither is an empty base.
  if (pos == std::string_view::npos || pos == 0) return {local, {}, 0};
  return {local.substr(0, pos), local.substr(pos + 1), local[pos]};
}

}  // namespace tern::smtp
