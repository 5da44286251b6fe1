// access(5) keys and actions; see access.hpp.
#include "policy/access.hpp"

#include <cctype>

#include "base/net.hpp"
#include "base/strings.hpp"
#include "smtp/address.hpp"

namespace tern::policy {

std::vector<std::string> domain_keys(std::string_view domain) {
  std::vector<std::string> keys;
  std::string d = lower(domain);
  while (!d.empty() && d.back() == '.') d.pop_back();
  if (d.empty()) return keys;
  keys.push_back(d);
  for (size_t dot = d.find('.'); dot != std::string::npos; dot = d.find('.', dot + 1))
    keys.push_back(d.substr(dot + 1));  // parent domains (smtpd_access_maps matches them)
  return keys;
}

std::vector<std::string> address_keys(std::string_view addr, std::string_view delimiters) {
  std::vector<std::string> keys;
  auto parts = smtp::split_address(addr);
  std::string local = lower(parts.local);
  auto ext = smtp::split_extension(parts.local, delimiters);
  bool has_ext = !ext.ext.empty() || ext.delim;
  std::string domain = lower(parts.domain);
  if (!domain.empty()) {
    keys.push_back(local + "@" + domain);
    if (has_ext) keys.push_back(lower(ext.base) + "@" + domain);
    for (auto& k : domain_keys(domain)) keys.push_back(std::move(k));
  }
  keys.push_back(local + "@");
  if (has_ext) keys.push_back(lower(ext.base) + "@");
  return keys;
}

std::vector<std::string> client_keys(std::string_view name, std::string_view addr) {
  std::vector<std::string> keys;
  if (!name.empty() && name != "unknown") keys = domain_keys(name);
  std::string a(addr);
  keys.push_back(a);
  // Shorter network prefixes: 1.2.3.4 → 1.2.3 → 1.2 → 1 (v6: by ':' groups).
  char sep = a.find(':') != std::string::npos ? ':' : '.';
  for (size_t pos = a.rfind(sep); pos != std::string::npos && pos > 0; pos = a.rfind(sep, pos - 1)) {
    keys.push_back(a.substr(0, pos));
    if (pos == 0) break;
  }
  return keys;
}

Decision access_action(std::string_view value, const std::string& subject, const Facts& f) {
  std::string_view v = trim(value);
  size_t sp = v.find_first_of(" \t");
  std::string word = lower(v.substr(0, sp));
  std::string text = sp == std::string_view::npos ? "" : std::string(trim(v.substr(sp)));
  auto reject = [&](int code, std::string t) {
    return Decision{Verdict::reject, smtp::Reply{code, smtp::Status::not_authorized, subject + t}};
  };
  bool numeric = !word.empty();
  for (char c : word) numeric &= bool(std::isdigit(static_cast<unsigned char>(c)));
  if (word == "ok" || word == "permit" || (numeric && word.size() != 3)) return {Verdict::permit, {}};
  if (word == "dunno") return {};
  if (word == "reject") return reject(f.access_reject_code, text.empty() ? "Access denied" : text);
  if (word == "defer") return reject(f.access_defer_code, text.empty() ? "Access denied" : text);
  if (numeric && word.size() == 3 && (word[0] == '4' || word[0] == '5')) {
    int code = std::stoi(word);
    Decision d = reject(code, text.empty() ? "Access denied" : text);
    // "550 5.7.2 text": an explicit enhanced status code is kept as the client sees it.
    if (text.size() > 5 && std::isdigit(static_cast<unsigned char>(text[0])) && text[1] == '.') {
      d.reply.status = smtp::Status::none;
      auto ehc_end = text.find(' ');
      d.reply.text = text.substr(0, ehc_end) + " " + subject + (ehc_end == std::string::npos ? "" : text.substr(ehc_end + 1));
    }
    return d;
  }
  if (word == "hold" || word == "discard") {
    Decision d;
    d.action = word == "hold" ? MessageAction::hold : MessageAction::discard;
    // Postfix: "<x@y>: Recipient address triggers HOLD action".
    std::string who = subject;
    if (auto pos = who.rfind(" rejected: "); pos != std::string::npos) who.resize(pos);
    d.action_text = who + " " + (text.empty() ? "triggers " + std::string(word == "hold" ? "HOLD" : "DISCARD") + " action" : text);
    return d;
  }
  // Restriction class names, PREPEND, REDIRECT, FILTER, BCC, WARN…: not yet.
  Decision d = reject(451, "Server configuration error");
  d.reply.status = smtp::Status::config_error;
  d.action_text = "access table action \"" + printable(word, 40) + "\" is not supported yet";
  return d;
}

}  // namespace tern::policy
