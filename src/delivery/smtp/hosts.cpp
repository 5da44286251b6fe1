// HostsFileResolver and the hosts(5) parser; see hosts.hpp.
#include "delivery/smtp/hosts.hpp"

#include "base/file.hpp"
#include "base/strings.hpp"

namespace tern::delivery::smtp {

std::vector<IpAddress> hosts_lookup(std::string_view text, std::string_view name) {
  std::vector<IpAddress> out;
  for (std::string_view line : split_any(text, "\n")) {
    line = line.substr(0, line.find('#'));
    auto fields = split_any(line, " \t\r");
    if (fields.size() < 2) continue;
    auto ip = IpAddress::parse(fields[0]);
    if (!ip || fields[0].starts_with('[')) continue;
    for (size_t i = 1; i < fields.size(); ++i) {
      if (!iequals(fields[i], name)) continue;
      IpAddress a = ip->unmapped();
      bool seen = false;
      for (const auto& o : out) seen = seen || (o.v6 == a.v6 && o.bytes == a.bytes);
      if (!seen) out.push_back(a);
    }
  }
  return out;
}

Resolution HostsFileResolver::resolve(const Nexthop& n) const {
  Resolution r;
  if (n.literal) {
    r.hosts.push_back({n.host, *n.literal});
    return r;
  }
  auto text = read_file(path_);
  std::string name = n.host;
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (text)
    for (const auto& a : hosts_lookup(*text, name)) r.hosts.push_back({name, a});
  if (r.hosts.empty()) {
    r.dsn = "4.4.3";
    r.error = "Host or domain name not found: " + name + " is not in " + path_ +
              " and DNS lookups are off (smtp_dns_support_level = disabled)";
  }
  return r;
}

}  // namespace tern::delivery::smtp
