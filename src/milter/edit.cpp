// Milter modifications on the message; see edit.hpp.
#include "milter/edit.hpp"

#include "base/strings.hpp"

namespace tern::milter {

namespace {

// CRLF → LF, as our content stores lines.
std::string to_lf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out.push_back(s[i]);
  }
  return out;
}

std::string make_field(std::string_view name, std::string_view value, bool leading_space) {
  std::string f(name);
  f += ':';
  if (!leading_space) f += ' ';
  f += to_lf(value);
  f += '\n';
  return f;
}

std::string_view field_name(std::string_view field) {
  auto colon = field.find(':');
  return trim(field.substr(0, colon == std::string_view::npos ? 0 : colon));
}

}  // namespace

MessageParts MessageParts::split(std::string_view content) {
  MessageParts p;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    size_t end = nl == std::string_view::npos ? content.size() : nl + 1;
    std::string_view line = content.substr(pos, end - pos);
    if (line == "\n") {
      p.has_separator = true;
      pos = end;
      break;
    }
    bool continuation = (line[0] == ' ' || line[0] == '\t') && !p.fields.empty();
    if (!continuation && line.find(':') == std::string_view::npos) break;  // body without separator
    if (continuation) p.fields.back() += line;
    else p.fields.emplace_back(line);
    if (nl == std::string_view::npos) p.fields.back() += '\n';
    pos = end;
  }
  p.body = std::string(content.substr(pos));
  return p;
}

std::string MessageParts::join() const {
  std::string out;
  for (const auto& f : fields) out += f;
  if (has_separator || !body.empty()) out += '\n';
  out += body;
  return out;
}

std::pair<std::string, std::string> header_for_milter(std::string_view field, bool leading_space) {
  auto colon = field.find(':');
  std::string_view name = field.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : field.substr(colon + 1);
  if (!value.empty() && value.back() == '\n') value.remove_suffix(1);
  if (!leading_space && !value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  return {std::string(name), std::string(value)};
}

std::string strip_brackets(std::string_view addr) {
  addr = trim(addr);
  if (addr.size() >= 2 && addr.front() == '<' && addr.back() == '>') addr = addr.substr(1, addr.size() - 2);
  return std::string(addr);
}

EditOutcome apply_modifications(const std::vector<Reply>& mods, Message& m, bool leading_space) {
  EditOutcome out;
  bool headers_touched = false;
  MessageParts parts;
  auto ensure_parts = [&] {
    if (!headers_touched) parts = MessageParts::split(m.content);
    headers_touched = true;
  };
  std::string new_body;
  bool replace_body = false;
  for (const auto& r : mods) {
    switch (r.code) {
      case ReplyCode::add_header:
        ensure_parts();
        parts.fields.push_back(make_field(r.name, r.value, leading_space));
        break;
      case ReplyCode::insert_header: {
        ensure_parts();
        size_t at = std::min<size_t>(r.index, parts.fields.size());
        parts.fields.insert(parts.fields.begin() + ptrdiff_t(at), make_field(r.name, r.value, leading_space));
        break;
      }
      case ReplyCode::change_header: {
        ensure_parts();
        // The index-th field of that name (1-based; 0 is taken as 1, as Sendmail does).
        uint32_t want = r.index == 0 ? 1 : r.index, seen = 0;
        auto it = parts.fields.begin();
        for (; it != parts.fields.end(); ++it)
          if (iequals(field_name(*it), r.name) && ++seen == want) break;
        if (it == parts.fields.end()) {
          if (r.value.empty()) break;  // deleting a field that is not there
          parts.fields.push_back(make_field(r.name, r.value, leading_space));
        } else if (r.value.empty()) {
          parts.fields.erase(it);
        } else {
          *it = make_field(field_name(*it), r.value, leading_space);  // the field keeps its name's spelling
        }
        break;
      }
      case ReplyCode::replace_body:
        replace_body = true;  // the chunks of one replacement, concatenated
        new_body += r.text;
        break;
      case ReplyCode::add_rcpt:
      case ReplyCode::add_rcpt_par: {
        std::string a = strip_brackets(r.text);
        m.envelope.recipients.push_back(Recipient{a});
        break;
      }
      case ReplyCode::del_rcpt: {
        std::string a = strip_brackets(r.text);
        std::erase_if(m.envelope.recipients, [&](const Recipient& x) { return iequals(x.address, a); });
        break;
      }
      case ReplyCode::change_from:
        m.envelope.sender = strip_brackets(r.text);
        break;
      case ReplyCode::quarantine:
        out.hold = true;
        out.hold_reason = r.text;
        break;
      default:
        break;
    }
  }
  if (replace_body) {
    ensure_parts();
    parts.body = to_lf(new_body);
    parts.has_separator = true;
  }
  if (headers_touched) m.content = parts.join();
  return out;
}

}  // namespace tern::milter
