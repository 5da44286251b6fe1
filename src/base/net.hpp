// IP addresses and CIDR networks, parsed with inet_pton only (never a name lookup), and
// the machine's interface addresses (getifaddrs) for Postfix's mynetworks_style.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace tern {

struct IpAddress {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};  // v4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);  // "1.2.3.4", "::1", "[::1]"
  std::string to_string() const;
  // ::ffff:a.b.c.d -> a.b.c.d
  IpAddress unmapped() const;
  bool operator==(const IpAddress&) const = default;
};

struct Cidr {
  IpAddress net;
  int prefix = 0;

  // "127.0.0.0/8", "[::1]/128", "::1/128", "192.0.2.7" (a host)
  static Result<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& a) const;
  std::string to_string() const;  // Postfix style: v6 in brackets
};

struct InterfaceNet {
  IpAddress addr;
  int prefix = 0;
};
std::vector<InterfaceNet> interface_addresses();

}  // namespace tern
