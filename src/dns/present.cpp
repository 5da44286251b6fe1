// Presentation form of record data; see present.hpp.
#include "dns/present.hpp"

#include <fmt/format.h>

#include "dns/rdata.hpp"

namespace tern::dns {

namespace {

// RFC 1035 §5.1 escapes: \" and \\, and \DDD for what is not printable.
std::string escaped(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c > 0x7e) {
      out += fmt::format("\\{:03d}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string quoted(std::string_view s) { return "\"" + escaped(s) + "\""; }

}  // namespace

Result<std::string> present(Type t, std::string_view rdata) {
  switch (t) {
    case Type::A:
    case Type::AAAA: {
      auto a = t == Type::A ? decode_a(rdata) : decode_aaaa(rdata);
      if (!a) return a.error();
      return a->to_string();
    }
    case Type::NS:
    case Type::CNAME:
    case Type::PTR: {
      auto n = decode_name(rdata);
      if (!n) return n.error();
      return escaped(*n) + ".";
    }
    case Type::MX: {
      auto m = decode_mx(rdata);
      if (!m) return m.error();
      return fmt::format("{} {}.", m->preference, escaped(m->host));
    }
    case Type::TXT: {
      auto parts = decode_txt(rdata);
      if (!parts) return parts.error();
      std::string out;
      for (const auto& p : *parts) out += (out.empty() ? "" : " ") + quoted(p);
      return out;
    }
    case Type::TLSA: {
      auto r = decode_tlsa(rdata);
      if (!r) return r.error();
      return fmt::format("{} {} {} {}", r->usage, r->selector, r->mtype, to_hex(r->data));
    }
  }
  return Error{"unknown record type"};
}

}  // namespace tern::dns
