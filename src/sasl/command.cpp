// AUTH command checks; see command.hpp.
#include "sasl/command.hpp"

#include <algorithm>
#include <cctype>

namespace tern::sasl {

std::optional<Reply> check_auth_allowed(const AuthGate& g) {
  if (!g.enabled) return make_reply(ReplyKind::not_enabled);
  if (g.in_transaction) return make_reply(ReplyKind::in_transaction);
  if (g.tls_required && !g.tls_active) return make_reply(ReplyKind::encryption_required);
  if (g.authenticated) return make_reply(ReplyKind::already_authenticated);
  return std::nullopt;
}

namespace {

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::variant<AuthCommand, Reply> parse_auth_command(std::string_view args,
                                                    const std::vector<std::string>& offered) {
  auto w = words(args);
  if (w.empty() || w.size() > 2) return make_reply(ReplyKind::syntax);
  auto it = std::find_if(offered.begin(), offered.end(),
                         [&](const std::string& m) { return iequal(m, w[0]); });
  if (it == offered.end()) return make_reply(ReplyKind::unrecognized_mechanism);
  AuthCommand cmd;
  cmd.mechanism = *it;
  std::transform(cmd.mechanism.begin(), cmd.mechanism.end(), cmd.mechanism.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (w.size() == 2) cmd.initial_response = w[1] == "=" ? std::string() : std::string(w[1]);
  return cmd;
}

}  // namespace tern::sasl
