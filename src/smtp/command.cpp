// SMTP command parsing; see command.hpp.
#include "smtp/command.hpp"

#include <cctype>

#include "base/strings.hpp"
#include "smtp/address.hpp"

namespace tern::smtp {

namespace {
struct VerbName {
  std::string_view name;
  Verb verb;
};
constexpr VerbName kVerbs[] = {
    {"helo", Verb::helo}, {"ehlo", Verb::ehlo}, {"mail", Verb::mail}, {"rcpt", Verb::rcpt},
    {"data", Verb::data}, {"rset", Verb::rset}, {"noop", Verb::noop}, {"quit", Verb::quit},
    {"vrfy", Verb::vrfy}, {"expn", Verb::expn}, {"help", Verb::help},
    {"starttls", Verb::starttls}, {"auth", Verb::auth}, {"bdat", Verb::bdat}, {"etrn", Verb::etrn},
    {"xforward", Verb::xforward},
};
}  // namespace

Command parse_command(std::string_view line) {
  Command c;
  size_t sp = line.find_first_of(" \t");
  c.name = line.substr(0, sp);
  if (sp != std::string_view::npos) {
    std::string_view rest = line.substr(sp);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
    c.arg = rest;
  }
  for (const auto& v : kVerbs)
    if (iequals(c.name, v.name)) c.verb = v.verb;
  return c;
}

std::string_view verb_name(Verb v) {
  for (const auto& n : kVerbs)
    if (n.verb == v) return n.name;
  return "unknown";
}

Result<PathArg> parse_path(std::string_view arg, std::string_view keyword) {
  if (!istarts_with(arg, keyword) || arg.size() <= keyword.size() || arg[keyword.size()] != ':')
    return Error{"expected " + std::string(keyword) + ":<address>"};
  std::string_view rest = arg.substr(keyword.size() + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::string_view path;
  if (!rest.empty() && rest.front() == '<') {
    // Find the closing '>' outside a quoted local part.
    bool quoted = false;
    size_t i = 1;
    for (; i < rest.size(); ++i) {
      if (rest[i] == '\\' && quoted) { ++i; continue; }
      if (rest[i] == '"') quoted = !quoted;
      else if (rest[i] == '>' && !quoted) break;
    }
    if (i >= rest.size()) return Error{"missing '>' in address"};
    path = rest.substr(1, i - 1);
    rest = rest.substr(i + 1);
  } else {
    size_t end = rest.find(' ');
    path = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (path.empty()) return Error{"empty address"};
  }
  auto addr = parse_mailbox_path(path);
  if (!addr) return addr.error();
  PathArg out;
  out.address = std::move(*addr);
  for (auto p : split_any(rest, " ")) {
    auto eq = p.find('=');
    std::string key = std::string(p.substr(0, eq));
    for (char& ch : key) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    if (key.empty()) return Error{"bad parameter syntax"};
    out.params.emplace_back(key, eq == std::string_view::npos ? "" : std::string(p.substr(eq + 1)));
  }
  return out;
}

}  // namespace tern::smtp
