#include "dmarc/author.hpp"

#include <algorithm>
#include <cctype>

#include "base/strings.hpp"
#include "dmarc/punycode.hpp"
#include "message/cleanup.hpp"
#include "route/header_addresses.hpp"

namespace tern::dmarc {

namespace {

bool host_name(std::string_view d) {
  if (d.empty() || d.size() > 253 || d.front() == '.' || d.find("..") != d.npos) return false;
  for (unsigned char c : d)
    if (!(std::isalnum(c) || c == '-' || c == '.' || c >= 0x80)) return false;
  return true;
}

}  // namespace

std::string address_domain(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string_view d = trim(address.substr(at + 1));
  if (!d.empty() && d.back() == '.') d.remove_suffix(1);
  if (!host_name(d)) return {};
  auto ascii = domain_to_ascii(d);  // an SMTPUTF8 domain is looked up by its A-labels
  return ascii ? *ascii : std::string();
}

AuthorDomains author_domains(std::string_view content) {
  AuthorDomains out;
  for_each_header(content, [&](std::string_view name, std::string_view value) {
    if (!iequals(trim(name), "from")) return;
    ++out.from_fields;
    auto spans = route::find_addresses(value);
    bool found = false;
    for (const auto& s : spans) {
      std::string d = address_domain(value.substr(s.begin, s.end - s.begin));
      if (d.empty()) continue;
      found = true;
      if (std::find(out.domains.begin(), out.domains.end(), d) == out.domains.end()) out.domains.push_back(d);
    }
    if (!found) out.problem = "From header field without a usable domain";
  });
  if (out.from_fields == 0) out.problem = "no From header field";
  return out;
}

}  // namespace tern::dmarc
