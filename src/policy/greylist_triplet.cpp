// Triplet keys; see greylist_triplet.hpp. The substitutions follow postgrey 1.37's Perl
// regular expressions step by step (their ASCII meaning: postgrey runs under the C locale).
#include "policy/greylist_triplet.hpp"

#include "base/strings.hpp"

namespace tern::policy {

namespace {

bool is_word(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// /^[0-9a-z]{10}/: a BATV tag-value starts with ten lower-case letters or digits.
bool looks_like_tag(std::string_view s) {
  if (s.size() < 10) return false;
  for (char c : s.substr(0, 10))
    if (!is_digit(c) && !(c >= 'a' && c <= 'z')) return false;
  return true;
}

// Perl's split(/=/, $user): the pieces, trailing empty ones dropped.
std::vector<std::string_view> perl_split_eq(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    auto eq = s.find('=', start);
    out.push_back(s.substr(start, eq == s.npos ? s.npos : eq - start));
    if (eq == s.npos) break;
    start = eq + 1;
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

std::string_view strip_batv(std::string_view user) {
  if (user.substr(0, 5) != "prvs=") return user;
  auto a = perl_split_eq(user);
  if (a.size() != 3) return user;
  bool tag1 = looks_like_tag(a[1]), tag2 = looks_like_tag(a[2]);
  if (tag2 && !tag1) return a[1];
  return a[2];  // the standard order, and postgrey's coin when both or neither look like tags
}

// s/\b\d+\b/#/g: a run of digits with no word character on either side becomes '#'.
std::string hash_numbers(std::string_view user) {
  std::string out;
  for (size_t i = 0; i < user.size();) {
    if (!is_digit(user[i])) {
      out += user[i++];
      continue;
    }
    size_t j = i;
    while (j < user.size() && is_digit(user[j])) ++j;
    bool alone = (i == 0 || !is_word(user[i - 1])) && (j == user.size() || !is_word(user[j]));
    if (alone) out += '#';
    else out.append(user.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::string normalise_sender(std::string_view sender) {
  auto at = sender.find('@');
  if (at == std::string_view::npos) return std::string(sender);
  std::string_view user = strip_batv(sender.substr(0, at));
  user = user.substr(0, user.find('+'));
  return hash_numbers(user) + std::string(sender.substr(at));
}

std::string client_network(const IpAddress& client, int ipv4_prefix, int ipv6_prefix) {
  IpAddress a = client.unmapped();
  int prefix = a.v6 ? ipv6_prefix : ipv4_prefix;
  int max = a.v6 ? 128 : 32;
  for (int bit = prefix; bit < max; ++bit) a.bytes[size_t(bit / 8)] &= ~(0x80 >> (bit % 8));
  return a.to_string();
}

std::string triplet_key(std::string_view network, std::string_view sender, std::string_view recipient) {
  return lower(std::string(network) + "/" + normalise_sender(sender) + "/" + std::string(recipient));
}

std::string_view recipient_domain(std::string_view recipient) {
  auto at = recipient.rfind('@');
  return at == std::string_view::npos ? recipient : recipient.substr(at + 1);
}

}  // namespace tern::policy
