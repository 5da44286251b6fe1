// Received-SPF text; see received.hpp.
#include "spf/received.hpp"

#include <cctype>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::spf {

namespace {

// RFC 5322 atext plus the dots of a dot-atom.
bool dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && s[i - 1] == '.') return false;
    if (std::isalnum(static_cast<unsigned char>(c))) continue;
    if (std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string value(std::string_view raw) {
  std::string s = printable(raw, 512);
  if (dot_atom(s)) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

// Comments may not hold unbalanced parentheses or backslashes.
std::string comment_text(std::string_view raw) {
  std::string out;
  for (char c : printable(raw, 512)) out += (c == '(' || c == ')' || c == '\\') ? '?' : c;
  return out;
}

}  // namespace

std::string received_spf_comment(const Query& q, const Outcome& o) {
  std::string receiver = q.receiver.empty() ? "unknown" : q.receiver;
  std::string ip = q.ip.to_string(), who = q.sender;
  std::string text;
  switch (o.verdict) {
    case Verdict::pass: text = fmt::format("domain of {} designates {} as permitted sender", who, ip); break;
    case Verdict::fail: text = fmt::format("domain of {} does not designate {} as permitted sender", who, ip); break;
    case Verdict::softfail:
      text = fmt::format("domain of transitioning {} does not designate {} as permitted sender", who, ip);
      break;
    case Verdict::neutral: text = fmt::format("{} is neither permitted nor denied by domain of {}", ip, who); break;
    case Verdict::none: text = fmt::format("domain of {} does not provide an SPF record", who); break;
    case Verdict::temperror: text = fmt::format("error in processing during lookup of {}", who); break;
    case Verdict::permerror: text = fmt::format("permanent error in processing domain of {}", who); break;
  }
  return comment_text(receiver + ": " + text);
}

std::string received_spf(const Query& q, const Outcome& o, std::string_view mail_from) {
  std::string h = fmt::format("Received-SPF: {} ({})\n", verdict_name(o.verdict), received_spf_comment(q, o));
  std::vector<std::string> pairs;
  pairs.push_back("client-ip=" + value(q.ip.to_string()));
  pairs.push_back("envelope-from=" + value(mail_from.empty() ? "<>" : mail_from));
  if (!q.helo.empty()) pairs.push_back("helo=" + value(q.helo));
  if (!q.receiver.empty()) pairs.push_back("receiver=" + value(q.receiver));
  pairs.push_back(fmt::format("identity={}", identity_name(q.identity)));
  if (!o.mechanism.empty()) pairs.push_back("mechanism=" + value(o.mechanism));
  if (!o.problem.empty()) pairs.push_back("problem=" + value(o.problem));
  for (size_t i = 0; i < pairs.size(); ++i) h += "\t" + pairs[i] + (i + 1 < pairs.size() ? ";\n" : "\n");
  return h;
}

}  // namespace tern::spf
