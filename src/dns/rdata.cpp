#include "dns/rdata.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::dns {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::A: return "A";
    case Type::NS: return "NS";
    case Type::CNAME: return "CNAME";
    case Type::PTR: return "PTR";
    case Type::MX: return "MX";
    case Type::TXT: return "TXT";
    case Type::AAAA: return "AAAA";
    case Type::TLSA: return "TLSA";
  }
  return "?";
}

std::optional<Type> parse_type(std::string_view name) {
  for (Type t : {Type::A, Type::NS, Type::CNAME, Type::PTR, Type::MX, Type::TXT, Type::AAAA, Type::TLSA})
    if (iequals(name, type_name(t))) return t;
  return std::nullopt;
}

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::data: return "data";
    case Outcome::nodata: return "no data";
    case Outcome::nxdomain: return "NXDOMAIN";
    case Outcome::temporary: return "temporary failure";
  }
  return "?";
}

std::string_view security_name(Security s) {
  switch (s) {
    case Security::insecure: return "insecure";
    case Security::secure: return "secure";
    case Security::bogus: return "bogus";
  }
  return "?";
}

namespace {

// Reads an uncompressed wire name starting at `pos`; advances pos past it.
Result<std::string> read_name(std::string_view w, size_t& pos) {
  std::string out;
  size_t total = 0;
  for (;;) {
    if (pos >= w.size()) return Error{"DNS name runs past the record"};
    auto len = static_cast<unsigned char>(w[pos++]);
    if (len == 0) break;
    if (len > 63) return Error{"DNS name has a compressed or oversized label"};
    if (pos + len > w.size()) return Error{"DNS label runs past the record"};
    total += len + 1;
    if (total > 255) return Error{"DNS name is longer than 255 octets"};
    if (!out.empty()) out += '.';
    out += lower(w.substr(pos, len));
    pos += len;
  }
  return out;
}

uint16_t read16(std::string_view w, size_t pos) {
  return static_cast<uint16_t>((static_cast<unsigned char>(w[pos]) << 8) | static_cast<unsigned char>(w[pos + 1]));
}

template <class T, class F>
Result<std::vector<T>> each(const Answer& a, F decode) {
  std::vector<T> out;
  out.reserve(a.rdata.size());
  for (const auto& r : a.rdata) {
    auto v = decode(r);
    if (!v) return v.error();
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace

Result<IpAddress> decode_a(std::string_view rdata) {
  if (rdata.size() != 4) return Error{fmt::format("A record of {} octets (want 4)", rdata.size())};
  IpAddress a;
  for (size_t i = 0; i < 4; ++i) a.bytes[i] = static_cast<unsigned char>(rdata[i]);
  return a;
}

Result<IpAddress> decode_aaaa(std::string_view rdata) {
  if (rdata.size() != 16) return Error{fmt::format("AAAA record of {} octets (want 16)", rdata.size())};
  IpAddress a;
  a.v6 = true;
  for (size_t i = 0; i < 16; ++i) a.bytes[i] = static_cast<unsigned char>(rdata[i]);
  return a;
}

Result<std::string> decode_name(std::string_view rdata) {
  size_t pos = 0;
  auto n = read_name(rdata, pos);
  if (!n) return n;
  if (pos != rdata.size()) return Error{"trailing octets after a DNS name"};
  return n;
}

Result<Mx> decode_mx(std::string_view rdata) {
  if (rdata.size() < 3) return Error{"MX record too short"};
  Mx m;
  m.preference = read16(rdata, 0);
  size_t pos = 2;
  auto host = read_name(rdata, pos);
  if (!host) return host.error();
  if (pos != rdata.size()) return Error{"trailing octets after the MX host"};
  m.host = std::move(*host);
  return m;
}

Result<std::vector<std::string>> decode_txt(std::string_view rdata) {
  if (rdata.empty()) return Error{"TXT record without a character-string"};
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < rdata.size()) {
    size_t len = static_cast<unsigned char>(rdata[pos++]);
    if (pos + len > rdata.size()) return Error{"TXT character-string runs past the record"};
    out.emplace_back(rdata.substr(pos, len));
    pos += len;
  }
  return out;
}

Result<Tlsa> decode_tlsa(std::string_view rdata) {
  if (rdata.size() < 3) return Error{"TLSA record too short"};
  Tlsa t;
  t.usage = static_cast<uint8_t>(rdata[0]);
  t.selector = static_cast<uint8_t>(rdata[1]);
  t.mtype = static_cast<uint8_t>(rdata[2]);
  t.data = std::string(rdata.substr(3));
  return t;
}

Result<std::vector<IpAddress>> addresses(const Answer& a) {
  return each<IpAddress>(a, [](std::string_view r) { return r.size() == 16 ? decode_aaaa(r) : decode_a(r); });
}
Result<std::vector<Mx>> mx_records(const Answer& a) { return each<Mx>(a, decode_mx); }
Result<std::vector<std::string>> names(const Answer& a) { return each<std::string>(a, decode_name); }
Result<std::vector<Tlsa>> tlsa_records(const Answer& a) { return each<Tlsa>(a, decode_tlsa); }
Result<std::vector<std::string>> txt_strings(const Answer& a) {
  return each<std::string>(a, [](std::string_view r) -> Result<std::string> {
    auto parts = decode_txt(r);
    if (!parts) return parts.error();
    std::string joined;
    for (const auto& p : *parts) joined += p;
    return joined;
  });
}

Result<std::string> encode_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out;
  if (!name.empty()) {
    size_t start = 0;
    for (;;) {
      size_t dot = name.find('.', start);
      std::string_view label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (label.empty()) return Error{fmt::format("empty label in DNS name \"{}\"", name)};
      if (label.size() > 63) return Error{fmt::format("label over 63 octets in DNS name \"{}\"", name)};
      out += static_cast<char>(label.size());
      out += label;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  out += '\0';
  if (out.size() > 255) return Error{fmt::format("DNS name \"{}\" is longer than 255 octets", name)};
  return out;
}

std::string encode_address(const IpAddress& a) {
  return std::string(reinterpret_cast<const char*>(a.bytes.data()), a.v6 ? 16 : 4);
}

Result<std::string> encode_mx(uint16_t preference, std::string_view host) {
  auto n = encode_name(host);
  if (!n) return n;
  std::string out;
  out += static_cast<char>(preference >> 8);
  out += static_cast<char>(preference & 0xff);
  return out + *n;
}

Result<std::string> encode_txt(const std::vector<std::string>& strings) {
  std::string out;
  for (const auto& s : strings) {
    if (s.size() > 255) return Error{"TXT character-string over 255 octets"};
    out += static_cast<char>(s.size());
    out += s;
  }
  if (strings.empty()) out += '\0';
  return out;
}

std::string encode_tlsa(const Tlsa& t) {
  std::string out;
  out += static_cast<char>(t.usage);
  out += static_cast<char>(t.selector);
  out += static_cast<char>(t.mtype);
  return out + t.data;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string reverse_name(const IpAddress& a) {
  std::string out;
  if (!a.v6) {
    for (int i = 3; i >= 0; --i) out += fmt::format("{}.", a.bytes[static_cast<size_t>(i)]);
    return out + "in-addr.arpa";
  }
  static constexpr char digits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    unsigned char b = a.bytes[static_cast<size_t>(i)];
    out += digits[b & 15];
    out += '.';
    out += digits[b >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

}  // namespace tern::dns
