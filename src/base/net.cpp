// IP and CIDR helpers; see net.hpp.
#include "base/net.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <cstring>

#include "base/strings.hpp"

namespace tern {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.size() > 63) return std::nullopt;
  std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
  }
  if (istarts_with(s, "ipv6:")) s = s.substr(5);
  if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  a.v6 = true;
  return a;
}

IpAddress IpAddress::unmapped() const {
  static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!v6 || std::memcmp(bytes.data(), prefix, 12) != 0) return *this;
  IpAddress a;
  std::memcpy(a.bytes.data(), bytes.data() + 12, 4);
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

Result<Cidr> Cidr::parse(std::string_view text) {
  std::string_view addr = text, len;
  if (auto slash = text.rfind('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    len = text.substr(slash + 1);
  }
  auto ip = IpAddress::parse(addr);
  if (!ip) return Error{"bad network address: \"" + printable(text, 80) + "\""};
  int max = ip->v6 ? 128 : 32;
  int prefix = max;
  if (!len.empty() || text.back() == '/') {
    auto n = parse_int(len);
    if (!n || *n < 0 || *n > max)
      return Error{"bad network prefix length: \"" + printable(text, 80) + "\""};
    prefix = int(*n);
  }
  Cidr c{*ip, prefix};
  // Postfix refuses a network address with host bits set ("non-null host address bits").
  for (int bit = prefix; bit < max; ++bit)
    if (c.net.bytes[size_t(bit / 8)] & (0x80 >> (bit % 8)))
      return Error{"non-null host address bits in \"" + printable(text, 80) + "\", perhaps you mean \"" +
                   [&] {
                     Cidr m = c;
                     for (int b = prefix; b < max; ++b) m.net.bytes[size_t(b / 8)] &= ~(0x80 >> (b % 8));
                     return m.to_string();
                   }() + "\" instead"};
  return c;
}

bool Cidr::contains(const IpAddress& raw) const {
  IpAddress a = net.v6 ? raw : raw.unmapped();
  if (a.v6 != net.v6) return false;
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.bytes.data(), net.bytes.data(), size_t(full)) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a.bytes[size_t(full)] & mask) == (net.bytes[size_t(full)] & mask);
}

std::string Cidr::to_string() const {
  std::string a = net.to_string();
  if (net.v6) a = "[" + a + "]";
  return a + "/" + std::to_string(prefix);
}

std::vector<InterfaceNet> interface_addresses() {
  std::vector<InterfaceNet> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    InterfaceNet n;
    const unsigned char* mask = nullptr;
    size_t len = 0;
    if (i->ifa_addr->sa_family == AF_INET) {
      std::memcpy(n.addr.bytes.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
      if (i->ifa_netmask)
        mask = reinterpret_cast<const unsigned char*>(
            &reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr);
      len = 4;
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      n.addr.v6 = true;
      std::memcpy(n.addr.bytes.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
      if (i->ifa_netmask)
        mask = reinterpret_cast<const unsigned char*>(
            &reinterpret_cast<sockaddr_in6*>(i->ifa_netmask)->sin6_addr);
      len = 16;
    } else {
      continue;
    }
    for (size_t b = 0; mask && b < len; ++b) n.prefix += __builtin_popcount(mask[b]);
    out.push_back(n);
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace tern
