// Dovecot auth protocol pieces; see dovecot_protocol.hpp.
#include "sasl/dovecot_protocol.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tern::sasl::dovecot {

std::optional<std::string> LineSplitter::next() {
  if (error_) return std::nullopt;
  size_t nl = buf_.find('\n', scanned_);
  if (nl == std::string::npos) {
    scanned_ = buf_.size();
    if (buf_.size() > max_) error_ = true;
    return std::nullopt;
  }
  if (nl > max_) {
    error_ = true;
    return std::nullopt;
  }
  std::string line = buf_.substr(0, nl);
  buf_.erase(0, nl + 1);
  scanned_ = 0;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t t = line.find('\t', start);
    out.push_back(line.substr(start, t == std::string_view::npos ? t : t - start));
    if (t == std::string_view::npos) return out;
    start = t + 1;
  }
}

std::string tab_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\001' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    switch (s[++i]) {
      case '1': out += '\001'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'n': out += '\n'; break;
      case '0': out += '\0'; break;
      default: out += s[i];
    }
  }
  return out;
}

std::string tab_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\001': out += "\0011"; break;
      case '\t': out += "\001t"; break;
      case '\r': out += "\001r"; break;
      case '\n': out += "\001n"; break;
      case '\0': out += "\0010"; break;
      default: out += c;
    }
  }
  return out;
}

std::string client_hello(long pid) {
  return "VERSION\t1\t1\nCPID\t" + std::to_string(pid) + "\n";
}

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool parse_u32(std::string_view s, uint32_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

Handshake::State Handshake::feed(std::string_view line) {
  auto f = split_tabs(line);
  if (f[0] == "VERSION") {
    uint32_t major = 0;
    if (f.size() < 3 || !parse_u32(f[1], major)) {
      error_ = "malformed VERSION line from the authentication server";
      return State::error;
    }
    if (major != 1) {
      error_ = "authentication server speaks protocol version " + std::string(f[1]) +
               ", not 1 (is smtpd_sasl_path Dovecot's auth-client socket?)";
      return State::error;
    }
    have_version_ = true;
    return State::more;
  }
  if (!have_version_) {
    error_ = "authentication server did not start with VERSION";
    return State::error;
  }
  if (f[0] == "MECH" && f.size() >= 2) {
    Mech m{upper(f[1]), {}};
    for (size_t i = 2; i < f.size(); ++i) m.flags.emplace_back(f[i]);
    mechs_.push_back(std::move(m));
  } else if (f[0] == "DONE") {
    return State::done;
  }
  return State::more;  // SPID, CUID, COOKIE and anything newer
}

std::string encode(const AuthRequest& r) {
  std::string out = "AUTH\t" + std::to_string(r.id) + "\t" + tab_escape(r.mechanism) +
                    "\tservice=" + tab_escape(r.service) + "\tnologin";
  if (!r.local_ip.empty()) out += "\tlip=" + tab_escape(r.local_ip);
  if (!r.remote_ip.empty()) out += "\trip=" + tab_escape(r.remote_ip);
  if (r.secured) out += "\tsecured";
  if (r.initial) out += "\tresp=" + tab_escape(*r.initial);
  out += '\n';
  return out;
}

std::string encode_cont(uint32_t id, std::string_view base64) {
  return "CONT\t" + std::to_string(id) + "\t" + tab_escape(base64) + "\n";
}

std::optional<ServerReply> parse_reply(std::string_view line, bool* malformed) {
  if (malformed) *malformed = false;
  auto f = split_tabs(line);
  ServerReply r;
  if (f[0] == "OK") r.kind = ServerReply::Kind::ok;
  else if (f[0] == "FAIL") r.kind = ServerReply::Kind::fail;
  else if (f[0] == "CONT") r.kind = ServerReply::Kind::cont;
  else return std::nullopt;
  if (f.size() < 2 || !parse_u32(f[1], r.id) ||
      (r.kind == ServerReply::Kind::cont && f.size() < 3)) {
    if (malformed) *malformed = true;
    return std::nullopt;
  }
  if (r.kind == ServerReply::Kind::cont) {
    r.data = tab_unescape(f[2]);
    return r;
  }
  for (size_t i = 2; i < f.size(); ++i) {
    std::string_view a = f[i];
    if (a.starts_with("user=")) r.user = tab_unescape(a.substr(5));
    else if (a.starts_with("reason=")) r.reason = tab_unescape(a.substr(7));
    else if (a == "temp") r.temp = true;
  }
  return r;
}

}  // namespace tern::sasl::dovecot
