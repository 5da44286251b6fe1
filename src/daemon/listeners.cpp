// Listening sockets; see listeners.hpp.
#include "daemon/listeners.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/file.hpp"
#include "base/net.hpp"
#include "base/strings.hpp"

namespace tern::daemon {

namespace {

Result<int> port_of(const std::string& s) {
  if (auto n = parse_int(s); n && *n > 0 && *n < 65536) return int(*n);
  // /etc/services only: getservbyname never consults DNS.
  if (servent* se = ::getservbyname(s.c_str(), "tcp")) return int(ntohs(uint16_t(se->s_port)));
  return Error{"unknown service port \"" + s + "\""};
}

Result<std::vector<std::string>> hosts_of(const std::vector<std::string>& interfaces,
                                          const std::vector<std::string>& protocols) {
  bool v4 = false, v6 = false;
  for (const auto& p : protocols) {
    if (p == "all") v4 = v6 = true;
    else if (p == "ipv4") v4 = true;
    else if (p == "ipv6") v6 = true;
    else return Error{"inet_protocols: unknown protocol \"" + p + "\""};
  }
  std::vector<std::string> out;
  for (const auto& i : interfaces) {
    if (i == "all") {
      if (v4) out.push_back("0.0.0.0");
      if (v6) out.push_back("::");
    } else if (i == "loopback-only" || i == "localhost") {
      if (v4) out.push_back("127.0.0.1");
      if (v6) out.push_back("::1");
    } else if (auto ip = IpAddress::parse(i)) {
      out.push_back(ip->to_string());
    } else {
      return Error{"inet_interfaces: \"" + i + "\": use IP addresses (names are not resolved)"};
    }
  }
  return out;
}

}  // namespace

Result<std::vector<ListenAddress>> listen_addresses(const config::MasterEntry& e,
                                                    const config::Params& p) {
  std::string where = e.file + ":" + std::to_string(e.line) + ": service " + e.service + ": ";
  std::string host, port = e.service;
  if (auto colon = e.service.rfind(':'); colon != std::string::npos) {
    host = e.service.substr(0, colon);
    port = e.service.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  }
  auto pn = port_of(port);
  if (!pn) return Error{where + pn.error().message};
  std::vector<std::string> hosts;
  if (host.empty()) {
    auto h = hosts_of(p.inet_interfaces, p.inet_protocols);
    if (!h) return Error{where + h.error().message};
    hosts = *h;
  } else if (host == "localhost") {
    hosts = {"127.0.0.1"};
  } else if (auto ip = IpAddress::parse(host)) {
    hosts = {ip->to_string()};
  } else {
    return Error{where + "\"" + host + "\": use an IP address (names are not resolved)"};
  }
  std::vector<ListenAddress> out;
  for (auto& h : hosts) out.push_back({h, *pn});
  return out;
}

Result<int> bind_listener(const ListenAddress& a) {
  auto ip = IpAddress::parse(a.ip);
  if (!ip) return Error{"bad address " + a.ip};
  int fd = ::socket(ip->v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Error{"socket: " + errno_text(errno)};
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len;
  if (ip->v6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(uint16_t(a.port));
    std::memcpy(&s6->sin6_addr, ip->bytes.data(), 16);
    len = sizeof *s6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(uint16_t(a.port));
    std::memcpy(&s4->sin_addr, ip->bytes.data(), 4);
    len = sizeof *s4;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    int err = errno;
    ::close(fd);
    return Error{"bind " + a.key() + ": " + errno_text(err)};
  }
  return fd;
}

}  // namespace tern::daemon
