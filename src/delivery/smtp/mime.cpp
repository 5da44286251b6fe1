// The 8BITMIME downgrade; see mime.hpp. Only parts that hold 8-bit bytes are touched; a
// header block keeps its order, with Content-Transfer-Encoding replaced in place.
#include "delivery/smtp/mime.hpp"

#include <vector>

#include "base/strings.hpp"
#include "delivery/smtp/content.hpp"

namespace tern::delivery::smtp {

namespace {

constexpr int kMaxDepth = 20;  // nesting deeper than this is left as it is

struct Entity {
  std::vector<std::string> headers;  // unfolded logical headers, each with its folds
  std::string_view body;
};

Entity split_entity(std::string_view e) {
  Entity out;
  size_t pos = 0;
  while (pos < e.size()) {
    size_t nl = e.find('\n', pos);
    size_t end = nl == std::string_view::npos ? e.size() : nl;
    std::string_view line = e.substr(pos, end - pos);
    size_t next = nl == std::string_view::npos ? e.size() : nl + 1;
    if (line.empty() || line == "\r") {
      out.body = e.substr(next);
      return out;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out.headers.empty()) out.headers.back() += "\n" + std::string(line);
    else out.headers.emplace_back(line);
    pos = next;
  }
  out.body = {};
  return out;
}

std::string_view header_value(const std::string& h, std::string_view name) {
  if (h.size() <= name.size() || h[name.size()] != ':' || !istarts_with(h, name)) return {};
  return trim(std::string_view(h).substr(name.size() + 1));
}

// The value of a Content-Type parameter (boundary, …), quotes removed.
std::string param(std::string_view ctype, std::string_view name) {
  for (auto piece : split_any(ctype, ";")) {
    piece = trim(piece);
    auto eq = piece.find('=');
    if (eq == std::string_view::npos || !iequals(trim(piece.substr(0, eq)), name)) continue;
    std::string_view v = trim(piece.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.find('"', 1) == std::string_view::npos ? v.size() - 1 : v.find('"', 1) - 1);
    return std::string(v);
  }
  return {};
}

std::string join_headers(const std::vector<std::string>& hs) {
  std::string out;
  for (const auto& h : hs) out += h + "\n";
  return out + "\n";
}

std::string downgrade_multipart(std::string_view body, const std::string& boundary, int depth) {
  std::string delim = "--" + boundary;
  std::string out;
  size_t pos = 0, part_start = std::string_view::npos;
  while (pos <= body.size()) {
    size_t nl = body.find('\n', pos);
    size_t end = nl == std::string_view::npos ? body.size() : nl;
    std::string_view line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool is_delim = line.starts_with(delim) && trim(line.substr(delim.size())).find_first_not_of('-') == std::string_view::npos;
    if (is_delim) {
      if (part_start != std::string_view::npos) {
        // The line break before a delimiter belongs to the delimiter (RFC 2046).
        std::string_view part = body.substr(part_start, pos - part_start);
        bool lf = part.ends_with('\n');
        if (lf) part.remove_suffix(1);
        out += downgrade_entity(part, depth + 1) + (lf ? "\n" : "");
      } else {
        out += std::string(body.substr(0, pos));  // preamble
      }
      out += std::string(body.substr(pos, end - pos)) + (nl == std::string_view::npos ? "" : "\n");
      bool closing = line.substr(delim.size()).starts_with("--");
      pos = nl == std::string_view::npos ? body.size() + 1 : nl + 1;
      if (closing) {
        if (pos <= body.size()) out += std::string(body.substr(pos));  // epilogue
        return out;
      }
      part_start = pos;
      continue;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  // No closing delimiter: the rest is the last part.
  if (part_start == std::string_view::npos) return std::string(body);
  if (part_start <= body.size()) out += downgrade_entity(body.substr(part_start), depth + 1);
  return out;
}

}  // namespace

std::string quoted_printable(std::string_view body) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  size_t col = 0;
  auto put = [&](std::string_view piece) {
    if (col + piece.size() > 75) {
      out += "=\n";
      col = 0;
    }
    out += piece;
    col += piece.size();
  };
  for (size_t i = 0; i < body.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    if (c == '\n') {
      out += '\n';
      col = 0;
      continue;
    }
    bool line_end = i + 1 == body.size() || body[i + 1] == '\n' || (body[i + 1] == '\r' && i + 2 < body.size() && body[i + 2] == '\n');
    if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') continue;
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end);
    if (literal) {
      char ch = char(c);
      put(std::string_view(&ch, 1));
    } else {
      char enc[3] = {'=', hex[c >> 4], hex[c & 15]};
      put(std::string_view(enc, 3));
    }
  }
  return out;
}

std::string downgrade_entity(std::string_view entity, int depth) {
  if (depth > kMaxDepth || !has_8bit(entity)) return std::string(entity);
  Entity e = split_entity(entity);
  std::string ctype;
  for (const auto& h : e.headers)
    if (auto v = header_value(h, "Content-Type"); !v.empty()) ctype = lower(v);
  if (ctype.starts_with("multipart/")) {
    std::string boundary = param(ctype, "boundary");
    // The boundary is case-sensitive: read it again from the original header.
    for (const auto& h : e.headers)
      if (auto v = header_value(h, "Content-Type"); !v.empty()) boundary = param(v, "boundary");
    if (boundary.empty()) return std::string(entity);
    return join_headers(e.headers) + downgrade_multipart(e.body, boundary, depth);
  }
  if (ctype.starts_with("message/rfc822")) return join_headers(e.headers) + downgrade_entity(e.body, depth + 1);
  if (!has_8bit(e.body)) return std::string(entity);
  std::vector<std::string> hs;
  bool replaced = false;
  for (auto& h : e.headers) {
    if (!header_value(h, "Content-Transfer-Encoding").empty() || istarts_with(h, "Content-Transfer-Encoding:")) {
      if (!replaced) hs.push_back("Content-Transfer-Encoding: quoted-printable");
      replaced = true;
    } else {
      hs.push_back(h);
    }
  }
  if (!replaced) hs.push_back("Content-Transfer-Encoding: quoted-printable");
  return join_headers(hs) + quoted_printable(e.body);
}

Converted prepare_body(const Message& m, bool peer_8bit, bool allow_conversion) {
  Converted c;
  const std::string& bt = m.envelope.body_type;
  bool eight = has_8bit(m.content);
  if (peer_8bit || !eight || !allow_conversion) {
    c.content = m.content;
    c.body_type = bt;
    if (c.body_type.empty() && eight && peer_8bit) c.body_type = "8BITMIME";
    return c;
  }
  Entity top = split_entity(m.content);
  bool mime = false;
  for (const auto& h : top.headers) mime = mime || !header_value(h, "MIME-Version").empty();
  std::string content = m.content;
  if (!mime) content = "MIME-Version: 1.0\n" + content;
  c.content = downgrade_entity(content);
  c.downgraded = true;
  return c;
}

}  // namespace tern::delivery::smtp
