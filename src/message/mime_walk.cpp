// The MIME walk; see mime_walk.hpp.
#include "message/mime_walk.hpp"

#include <vector>

#include "base/strings.hpp"

namespace tern::mime {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Skips blanks and RFC 5322 comments (nested, with quoted pairs).
void skip_cfws(std::string_view s, size_t& i) {
  while (i < s.size()) {
    if (is_blank(s[i])) {
      ++i;
    } else if (s[i] == '(') {
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '\\') ++i;
        else if (s[i] == '(') ++depth;
        else if (s[i] == ')' && --depth == 0) break;
      }
      if (i < s.size()) ++i;
    } else {
      return;
    }
  }
}

bool is_token_char(char c) {
  static constexpr std::string_view kSpecials = "()<>@,;:\\\"/[]?=";
  auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && kSpecials.find(c) == std::string_view::npos;
}

std::string_view token(std::string_view s, size_t& i) {
  size_t start = i;
  while (i < s.size() && is_token_char(s[i])) ++i;
  return s.substr(start, i - start);
}

// A parameter value: a quoted string (quoted pairs unescaped) or a token.
std::string param_value(std::string_view s, size_t& i) {
  if (i >= s.size() || s[i] != '"') return std::string(token(s, i));
  std::string out;
  for (++i; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    if (s[i] != '\n' && s[i] != '\r') out += s[i];  // folding inside the quotes
  }
  if (i < s.size()) ++i;
  return out;
}

// MIME-Version: and Content-*: the headers mime_header_checks sees in any header block.
bool is_mime_header(std::string_view text) {
  std::string_view name = trim_wsp(text.substr(0, text.find(':')));
  return iequals(name, "mime-version") || (name.size() > 8 && iequals(name.substr(0, 8), "content-"));
}

// The name and value of a header whose text starts with `name` followed by blanks and ':'.
bool header_value(std::string_view text, std::string_view name, std::string_view& value) {
  if (text.size() <= name.size() || !iequals(text.substr(0, name.size()), name)) return false;
  size_t i = name.size();
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i >= text.size() || text[i] != ':') return false;
  value = text.substr(i + 1);
  return true;
}

std::string_view cut(std::string_view s, size_t max) { return s.size() > max ? s.substr(0, max) : s; }

class Walk {
 public:
  Walk(std::string_view c, const Limits& l, Visitor& v) : c_(c), limits_(l), v_(v) {}

  void run() {
    while (pos_ < c_.size() && !stopped_) {
      if (in_headers_) header_step();
      else body_step();
    }
  }

 private:
  enum class Block { primary, part, nested };
  struct Frame {
    std::string boundary;
    int level;    // the multipart entity's level; its parts are one deeper
    bool digest;  // multipart/digest: parts default to message/rfc822
  };
  struct Line {
    std::string_view text;  // without the newline
    Span span;
  };

  Line line_at(size_t pos) const {
    size_t eol = c_.find('\n', pos);
    if (eol == std::string_view::npos) return {c_.substr(pos), {pos, c_.size()}};
    return {c_.substr(pos, eol - pos), {pos, eol + 1}};
  }

  void start_headers(Block kind, int level, bool digest_part) {
    in_headers_ = true;
    block_ = kind;
    level_ = level;
    digest_part_ = digest_part;
    type_ = {};
    encoded_ = false;
  }

  void header_step() {
    Line ln = line_at(pos_);
    if (ln.text.empty() || ln.text == "\r") {  // the blank line ending the block
      pos_ = ln.span.end;
      end_headers();
      return;
    }
    if (boundary_at(ln.text) || !is_header_line(ln.text)) {  // the block ends without a blank line
      end_headers();
      return;
    }
    size_t end = ln.span.end;
    while (end < c_.size() && (c_[end] == ' ' || c_[end] == '\t')) end = line_at(end).span.end;
    std::string_view text = c_.substr(pos_, end - pos_);
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    note_mime_fields(text);
    HeaderClass cls = HeaderClass::mime;
    bool mime_header = !limits_.disabled && is_mime_header(text);
    if (block_ == Block::primary && !mime_header) cls = HeaderClass::primary;
    if (block_ == Block::nested && !mime_header) cls = HeaderClass::nested;
    if (!v_.header(cls, cut(text, limits_.header_text), {pos_, end})) stopped_ = true;
    pos_ = end;
  }

  void note_mime_fields(std::string_view text) {
    std::string_view value;
    if (header_value(text, "content-type", value)) {
      type_ = parse_content_type(value);
    } else if (header_value(text, "content-transfer-encoding", value)) {
      std::string_view enc = trim_wsp(value);
      encoded_ = iequals(enc, "base64") || iequals(enc, "quoted-printable");
    }
  }

  // What follows a header block: a multipart body, an attached message's headers, or text.
  void end_headers() {
    in_headers_ = false;
    segment_start_ = pos_;
    if (block_ == Block::primary && !v_.wants_more_than_primary()) {
      stopped_ = true;
      return;
    }
    if (limits_.disabled || level_ >= limits_.nesting) return;
    std::string type = type_.type, subtype = type_.subtype;
    if (type.empty() && digest_part_) type = "message", subtype = "rfc822";
    if (type == "multipart" && !type_.boundary.empty()) {
      frames_.push_back({type_.boundary, level_, subtype == "digest"});
    } else if (type == "message" && subtype == "rfc822" && !encoded_) {
      start_headers(Block::nested, level_ + 1, false);
    }
  }

  // The innermost open multipart whose boundary starts `text` ("--boundary"), or -1. As
  // Postfix does, the boundary is matched as a prefix.
  int boundary_at(std::string_view text) const {
    if (frames_.empty() || text.size() < 3 || text[0] != '-' || text[1] != '-') return false;
    for (size_t i = frames_.size(); i-- > 0;) {
      const std::string& b = frames_[i].boundary;
      if (text.size() >= 2 + b.size() && text.compare(2, b.size(), b) == 0) return int(i) + 1;
    }
    return 0;
  }

  void body_step() {
    Line ln = line_at(pos_);
    if (int f = boundary_at(ln.text)) {
      size_t i = size_t(f - 1);
      bool close = ln.text.substr(2 + frames_[i].boundary.size()).starts_with("--");
      if (!v_.body_line(cut(ln.text, limits_.line_text), ln.span, 0)) stopped_ = true;
      pos_ = ln.span.end;
      Frame frame = frames_[i];
      frames_.resize(close ? i : i + 1);  // inner multiparts left open end here
      if (close) segment_start_ = pos_;
      else start_headers(Block::part, frame.level + 1, frame.digest);
      return;
    }
    if (!ln.text.empty() && ln.text != "\r" &&
        !v_.body_line(cut(ln.text, limits_.line_text), ln.span, pos_ - segment_start_))
      stopped_ = true;
    pos_ = ln.span.end;
  }

  std::string_view c_;
  const Limits& limits_;
  Visitor& v_;
  size_t pos_ = 0;
  bool stopped_ = false;
  bool in_headers_ = true;
  Block block_ = Block::primary;
  int level_ = 0;
  bool digest_part_ = false;
  ContentType type_;
  bool encoded_ = false;
  size_t segment_start_ = 0;
  std::vector<Frame> frames_;
};

}  // namespace

ContentType parse_content_type(std::string_view v) {
  ContentType out;
  size_t i = 0;
  skip_cfws(v, i);
  std::string_view type = token(v, i);
  skip_cfws(v, i);
  if (type.empty() || i >= v.size() || v[i] != '/') return out;
  ++i;
  skip_cfws(v, i);
  std::string_view subtype = token(v, i);
  if (subtype.empty()) return out;
  out.type = lower(type);
  out.subtype = lower(subtype);
  for (;;) {
    skip_cfws(v, i);
    if (i >= v.size()) break;
    if (v[i] != ';') {  // junk between parameters: look for the next one
      size_t next = v.find(';', i);
      if (next == std::string_view::npos) break;
      i = next;
    }
    ++i;
    skip_cfws(v, i);
    std::string_view name = token(v, i);
    skip_cfws(v, i);
    if (name.empty() || i >= v.size() || v[i] != '=') continue;
    ++i;
    skip_cfws(v, i);
    std::string value = param_value(v, i);
    if (iequals(name, "boundary") && out.boundary.empty()) out.boundary = std::move(value);
  }
  return out;
}

bool is_header_line(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] != ':') {
    auto u = static_cast<unsigned char>(line[i]);
    if (u == ' ' || u == '\t') break;
    if (u < 33 || u > 126) return false;
    ++i;
  }
  if (i == 0) return false;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == ':';
}

void walk_mime(std::string_view content, const Limits& limits, Visitor& v) { Walk(content, limits, v).run(); }

}  // namespace tern::mime
