// The milter codec; see protocol.hpp. Every reply field is checked: strings must be
// NUL-terminated and nothing may follow the last field.
#include "milter/protocol.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::milter {

namespace {

void put_u32(std::string& out, uint32_t v) {
  out.push_back(char(v >> 24));
  out.push_back(char(v >> 16));
  out.push_back(char(v >> 8));
  out.push_back(char(v));
}

uint32_t get_u32(std::string_view s) {
  auto b = [&](size_t i) { return uint32_t(static_cast<unsigned char>(s[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

void put_string(std::string& out, std::string_view s) {
  out.append(s);
  out.push_back('\0');
}

// Reads NUL-terminated strings and big-endian integers from a reply payload.
class Fields {
 public:
  explicit Fields(std::string_view p) : p_(p) {}
  std::optional<std::string> str() {
    auto nul = p_.find('\0');
    if (nul == std::string_view::npos) return std::nullopt;
    std::string s(p_.substr(0, nul));
    p_.remove_prefix(nul + 1);
    return s;
  }
  std::optional<uint32_t> u32() {
    if (p_.size() < 4) return std::nullopt;
    uint32_t v = get_u32(p_);
    p_.remove_prefix(4);
    return v;
  }
  bool done() const { return p_.empty(); }

 private:
  std::string_view p_;
};

Error malformed(char code, std::string_view what) {
  return Error{fmt::format("malformed {} reply: {}", reply_name(code), what)};
}

}  // namespace

std::string packet(Command c, std::string_view payload) {
  std::string out;
  out.reserve(5 + payload.size());
  put_u32(out, uint32_t(payload.size() + 1));
  out.push_back(char(c));
  out.append(payload);
  return out;
}

std::string encode_optneg(uint32_t version, uint32_t actions, uint32_t steps) {
  std::string p;
  put_u32(p, version);
  put_u32(p, actions);
  put_u32(p, steps);
  return packet(Command::optneg, p);
}

std::string encode_macros(Command for_command, const Macros& macros) {
  std::string p(1, char(for_command));
  for (const auto& [name, value] : macros) {
    put_string(p, name);
    put_string(p, value);
  }
  return packet(Command::macro, p);
}

std::string encode_connect(std::string_view hostname, char family, uint16_t port, std::string_view address) {
  std::string p;
  put_string(p, hostname);
  p.push_back(family);
  if (family != 'U') {
    p.push_back(char(port >> 8));
    p.push_back(char(port));
    put_string(p, address);
  }
  return packet(Command::connect, p);
}

std::string encode_strings(Command c, const std::vector<std::string>& strings) {
  std::string p;
  for (const auto& s : strings) put_string(p, s);
  return packet(c, p);
}

std::string encode_header(std::string_view name, std::string_view value) {
  std::string p;
  put_string(p, name);
  put_string(p, value);
  return packet(Command::header, p);
}

std::optional<Packet> PacketReader::next() {
  if (!error_.empty()) return std::nullopt;
  if (buf_.size() - pos_ < 4) return std::nullopt;
  uint32_t len = get_u32(std::string_view(buf_).substr(pos_));
  if (len == 0 || len > max_) {
    error_ = len == 0 ? "packet of length 0" : fmt::format("packet of {} bytes exceeds the limit of {}", len, max_);
    return std::nullopt;
  }
  if (buf_.size() - pos_ - 4 < len) return std::nullopt;
  Packet p;
  p.code = buf_[pos_ + 4];
  p.payload = buf_.substr(pos_ + 5, len - 1);
  pos_ += 4 + len;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  return p;
}

Result<Negotiation> parse_optneg(std::string_view payload) {
  if (payload.size() < 12) return Error{fmt::format("malformed SMFIC_OPTNEG reply: {} bytes, need 12", payload.size())};
  Negotiation n;
  n.version = get_u32(payload);
  n.actions = get_u32(payload.substr(4));
  n.steps = get_u32(payload.substr(8));
  Fields f(payload.substr(12));
  while (!f.done()) {
    auto stage = f.u32();
    if (!stage) return Error{"malformed SMFIC_OPTNEG reply: truncated macro list stage"};
    auto names = f.str();
    if (!names) return Error{"malformed SMFIC_OPTNEG reply: macro list without its NUL"};
    if (*stage >= kMacroStages) return Error{fmt::format("malformed SMFIC_OPTNEG reply: macro stage {}", *stage)};
    std::vector<std::string> list;
    for (auto w : split_any(*names, " ,")) list.push_back(macro_name(w));
    n.macros[*stage] = std::move(list);
  }
  return n;
}

Result<int> check_reply_code(std::string_view text) {
  auto digits = [](std::string_view s) {
    return s.size() >= 3 && (s[0] == '4' || s[0] == '5') && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
  };
  if (!digits(text)) return Error{"reply code is not 4XX or 5XX"};
  std::string_view code = text.substr(0, 3), rest = text;
  for (;;) {
    auto crlf = rest.find("\r\n");
    std::string_view line = rest.substr(0, crlf);
    if (!digits(line) || line.substr(0, 3) != code) return Error{"a line without the same code"};
    if (line.find_first_of("\r\n") != std::string_view::npos) return Error{"bare CR or LF in the text"};
    bool last = crlf == std::string_view::npos;
    if (line.size() > 3 && line[3] != (last ? ' ' : '-'))
      return Error{"the code is not followed by ' ' (last line) or '-'"};
    if (last) break;
    if (line.size() == 3) return Error{"an empty line before the last"};
    rest.remove_prefix(crlf + 2);
  }
  return int((text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0'));
}

Result<Reply> parse_reply(const Packet& p) {
  Reply r;
  r.code = ReplyCode(p.code);
  Fields f(p.payload);
  auto need_empty = [&]() -> Result<Reply> {
    if (!p.payload.empty()) return malformed(p.code, "unexpected payload");
    return r;
  };
  switch (r.code) {
    case ReplyCode::accept:
    case ReplyCode::continue_:
    case ReplyCode::discard:
    case ReplyCode::reject:
    case ReplyCode::tempfail:
    case ReplyCode::progress:
    case ReplyCode::skip:
    case ReplyCode::shutdown:
    case ReplyCode::conn_fail:
      return need_empty();
    case ReplyCode::replace_body:
      r.text = p.payload;
      return r;
    case ReplyCode::reply_code:
    case ReplyCode::quarantine:
    case ReplyCode::add_rcpt:
    case ReplyCode::del_rcpt: {
      auto s = f.str();
      if (!s || !f.done()) return malformed(p.code, "not one NUL-terminated string");
      r.text = std::move(*s);
      if (r.code == ReplyCode::reply_code) {
        auto code = check_reply_code(r.text);
        if (!code) return malformed(p.code, code.error().message);
      }
      if ((r.code == ReplyCode::add_rcpt || r.code == ReplyCode::del_rcpt) && r.text.empty())
        return malformed(p.code, "empty address");
      return r;
    }
    case ReplyCode::add_rcpt_par:
    case ReplyCode::change_from: {
      auto s = f.str();
      if (!s || s->empty()) return malformed(p.code, "no address");
      r.text = std::move(*s);
      if (!f.done()) {
        auto a = f.str();
        if (!a || !f.done()) return malformed(p.code, "parameters not one NUL-terminated string");
        r.args = std::move(*a);
      }
      return r;
    }
    case ReplyCode::add_header:
    case ReplyCode::insert_header:
    case ReplyCode::change_header: {
      if (r.code != ReplyCode::add_header) {
        auto i = f.u32();
        if (!i) return malformed(p.code, "truncated index");
        r.index = *i;
      }
      auto name = f.str();
      auto value = name ? f.str() : std::nullopt;
      if (!value || !f.done()) return malformed(p.code, "not a name and a value");
      if (name->empty()) return malformed(p.code, "empty header name");
      for (char c : *name)
        if (static_cast<unsigned char>(c) <= ' ' || c == ':' || c == 0x7f)
          return malformed(p.code, "header name with a space, colon or control character");
      r.name = std::move(*name);
      r.value = std::move(*value);
      return r;
    }
    case ReplyCode::set_symlist:
      break;
  }
  return Error{fmt::format("unknown reply code {}", printable(std::string_view(&p.code, 1)))};
}

std::string macro_name(std::string_view name) {
  if (name.size() >= 2 && name.front() == '{' && name.back() == '}') return std::string(name);
  if (name.size() == 1) return std::string(name);
  return "{" + std::string(name) + "}";
}

std::string reply_name(char code) {
  switch (ReplyCode(code)) {
    case ReplyCode::add_rcpt: return "SMFIR_ADDRCPT";
    case ReplyCode::del_rcpt: return "SMFIR_DELRCPT";
    case ReplyCode::add_rcpt_par: return "SMFIR_ADDRCPT_PAR";
    case ReplyCode::shutdown: return "SMFIR_SHUTDOWN";
    case ReplyCode::accept: return "SMFIR_ACCEPT";
    case ReplyCode::replace_body: return "SMFIR_REPLBODY";
    case ReplyCode::continue_: return "SMFIR_CONTINUE";
    case ReplyCode::discard: return "SMFIR_DISCARD";
    case ReplyCode::change_from: return "SMFIR_CHGFROM";
    case ReplyCode::conn_fail: return "SMFIR_CONN_FAIL";
    case ReplyCode::add_header: return "SMFIR_ADDHEADER";
    case ReplyCode::insert_header: return "SMFIR_INSHEADER";
    case ReplyCode::set_symlist: return "SMFIR_SETSYMLIST";
    case ReplyCode::change_header: return "SMFIR_CHGHEADER";
    case ReplyCode::progress: return "SMFIR_PROGRESS";
    case ReplyCode::quarantine: return "SMFIR_QUARANTINE";
    case ReplyCode::reject: return "SMFIR_REJECT";
    case ReplyCode::skip: return "SMFIR_SKIP";
    case ReplyCode::tempfail: return "SMFIR_TEMPFAIL";
    case ReplyCode::reply_code: return "SMFIR_REPLYCODE";
  }
  return fmt::format("reply 0x{:02x}", static_cast<unsigned char>(code));
}

}  // namespace tern::milter
