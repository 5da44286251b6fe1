// Local submission helpers; see submission.hpp.
#include "cli/submission.hpp"

#include <cctype>

#include "base/strings.hpp"

namespace tern::cli {

std::string read_message_text(std::string_view in, bool dot_ends) {
  std::string out;
  out.reserve(in.size());
  while (!in.empty()) {
    size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (dot_ends && line == ".") break;
    out.append(line);
    out += '\n';
  }
  return out;
}

namespace {
bool is_header_start(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (char c : line.substr(0, colon))
    if (c <= ' ' || c > '~') return false;  // RFC 5322 field names: printable, no space
  return true;
}
}  // namespace

SplitMessage split_message(std::string_view c) {
  SplitMessage m;
  size_t pos = 0;
  while (pos < c.size()) {
    size_t nl = c.find('\n', pos);
    size_t end = nl == std::string_view::npos ? c.size() : nl + 1;
    std::string_view line = c.substr(pos, end - pos);
    bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (continuation && !m.headers.empty()) {
      m.headers.back().text.append(line);
    } else if (is_header_start(line)) {
      m.headers.push_back({std::string(line.substr(0, line.find(':'))), std::string(line)});
    } else {
      break;
    }
    pos = end;
  }
  for (auto& h : m.headers)
    if (h.text.empty() || h.text.back() != '\n') h.text += '\n';
  m.body = std::string(c.substr(pos));
  return m;
}

std::string join_message(const SplitMessage& m) {
  std::string out;
  for (const auto& h : m.headers) out += h.text;
  return out + m.body;
}

namespace {

// A small RFC 5322 address-list scanner: collects the addr-spec of each mailbox.
class AddressScanner {
 public:
  explicit AddressScanner(std::string_view s) : s_(s) {}

  std::vector<std::string> run() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') word_ += quoted();
      else if (c == '(') comment();
      else if (c == '<') angle();
      else if (c == ',' || c == ';') { flush(); ++i_; }
      else if (c == ':') { word_.clear(); bare_ = true; space_ = false; ++i_; }  // group name
      else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') { space_ = true; ++i_; }
      else { plain(c); ++i_; }
    }
    flush();
    return out_;
  }

 private:
  void plain(char c) {
    if (space_ && !word_.empty()) bare_ = false;  // "John Smith": words, not an address
    space_ = false;
    word_ += c;
  }
  std::string quoted() {
    std::string q = "\"";
    for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) q += s_[i_++];
      q += s_[i_];
    }
    if (i_ < s_.size()) ++i_;
    else bad_ = true;  // unterminated
    return q + "\"";
  }
  void comment() {
    int depth = 0;
    for (; i_ < s_.size(); ++i_) {
      if (s_[i_] == '\\') ++i_;
      else if (s_[i_] == '(') ++depth;
      else if (s_[i_] == ')' && --depth == 0) { ++i_; return; }
    }
  }
  void angle() {
    size_t close = s_.find('>', i_);
    if (close == std::string_view::npos) {
      bad_ = true;
      i_ = s_.size();
      return;
    }
    std::string_view inner = trim(s_.substr(i_ + 1, close - i_ - 1));
    if (size_t colon = inner.find(':'); !inner.empty() && inner[0] == '@' && colon != inner.npos)
      inner = inner.substr(colon + 1);  // source route
    angled_ = std::string(inner);
    have_angle_ = true;
    i_ = close + 1;
  }
  void flush() {
    std::string a = have_angle_ ? angled_ : (bare_ && !bad_ ? word_ : "");
    if (!a.empty() && !bad_) out_.push_back(a);
    word_.clear();
    angled_.clear();
    have_angle_ = bad_ = space_ = false;
    bare_ = true;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string word_, angled_;
  bool have_angle_ = false, bare_ = true, bad_ = false, space_ = false;
  std::vector<std::string> out_;
};

bool is_resent_rcpt(std::string_view n) {
  return iequals(n, "Resent-To") || iequals(n, "Resent-Cc") || iequals(n, "Resent-Bcc");
}
bool is_rcpt(std::string_view n) {
  return iequals(n, "To") || iequals(n, "Cc") || iequals(n, "Bcc");
}
bool is_bcc(std::string_view n) { return iequals(n, "Bcc") || iequals(n, "Resent-Bcc"); }

}  // namespace

std::vector<std::string> parse_address_list(std::string_view value) {
  return AddressScanner(value).run();
}

Extracted extract_recipients(std::string_view content) {
  SplitMessage m = split_message(content);
  bool resent = false;
  for (const auto& h : m.headers) resent = resent || istarts_with(h.name, "Resent-");
  Extracted x;
  for (const auto& h : m.headers) {
    if (!(resent ? is_resent_rcpt(h.name) : is_rcpt(h.name))) continue;
    std::string_view v = std::string_view(h.text).substr(h.name.size() + 1);
    for (auto& a : parse_address_list(v)) x.recipients.push_back(std::move(a));
  }
  x.content = remove_bcc(content);
  return x;
}

std::string remove_bcc(std::string_view content) {
  SplitMessage m = split_message(content);
  std::erase_if(m.headers, [](const HeaderBlock& h) { return is_bcc(h.name); });
  return join_message(m);
}

std::string add_from_if_missing(std::string_view content, std::string_view sender,
                                std::string_view full_name) {
  SplitMessage m = split_message(content);
  for (const auto& h : m.headers)
    if (iequals(h.name, "From")) return std::string(content);
  std::string from = "From: ";
  if (full_name.empty()) {
    from += std::string(sender);
  } else {
    bool plain = true;  // atoms and spaces only: no quoting needed
    for (char c : full_name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ' ' ||
            std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos ||
            static_cast<unsigned char>(c) >= 0x80))
        plain = false;
    std::string name;
    for (char c : full_name) {
      if (c == '\r' || c == '\n') continue;  // a name never starts a new header
      if (!plain && (c == '"' || c == '\\')) name += '\\';
      name += c;
    }
    from += (plain ? name : "\"" + name + "\"") + " <" + std::string(sender) + ">";
  }
  m.headers.insert(m.headers.begin(), {"From", from + "\n"});
  if (m.body.empty() || m.body[0] != '\n') m.body.insert(0, "\n");  // keep a header/body break
  return join_message(m);
}

Result<std::string> verp_delimiters(std::string_view arg, std::string_view defaults,
                                    std::string_view filter) {
  std::string_view d = arg.empty() ? defaults : arg;
  if (d.size() != 2) return Error{"VERP delimiters must be two characters: \"" + std::string(d) + "\""};
  for (char c : d)
    if (filter.find(c) == std::string_view::npos)
      return Error{std::string("VERP delimiter \"") + c + "\" is not in verp_delimiter_filter"};
  return std::string(d);
}

std::string qualify(std::string_view addr, std::string_view origin) {
  if (addr.empty() || addr.find('@') != std::string_view::npos || origin.empty())
    return std::string(addr);
  return std::string(addr) + "@" + std::string(origin);
}

}  // namespace tern::cli
